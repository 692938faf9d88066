"""The public follow API, importable as the seed README shows::

    from sequere.models import follow, unfollow, is_following, get_followers

blocks and mutes (``block``, ``unblock``, ``is_blocked``, ``get_blocked``, ``mute``, ...; see
:mod:`sequere.relations`), and their async twins (``afollow``, ``aunfollow``, ``ais_following``,
``aget_followers``, ...; see :mod:`sequere.async_api`).

The database backend's ``Follow`` model lives in the ``sequere.backends.database`` app; the one
table of ``sequere`` itself is the outbox of derived work (:class:`sequere.outbox.PendingJob`).
"""

from .api import (
    follow,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    get_friends,
    get_friends_count,
    is_following,
    unfollow,
)
from .async_api import (
    afollow,
    aget_followers,
    aget_followers_count,
    aget_followings,
    aget_followings_count,
    aget_friends,
    aget_friends_count,
    ais_following,
    aunfollow,
)
from .async_relations import (
    ablock,
    aget_blocked,
    aget_blocked_count,
    aget_muted,
    aget_muted_count,
    ais_blocked,
    ais_muted,
    amute,
    aunblock,
    aunmute,
)
from .outbox import PendingJob  # noqa: F401  (the app's model: Django finds it here)
from .relations import (
    block,
    get_blocked,
    get_blocked_count,
    get_muted,
    get_muted_count,
    is_blocked,
    is_muted,
    mute,
    unblock,
    unmute,
)

__all__ = [
    "follow",
    "unfollow",
    "is_following",
    "get_followers",
    "get_followings",
    "get_friends",
    "get_followers_count",
    "get_followings_count",
    "get_friends_count",
    "afollow",
    "aunfollow",
    "ais_following",
    "aget_followers",
    "aget_followings",
    "aget_friends",
    "aget_followers_count",
    "aget_followings_count",
    "aget_friends_count",
    "block",
    "unblock",
    "is_blocked",
    "get_blocked",
    "get_blocked_count",
    "mute",
    "unmute",
    "is_muted",
    "get_muted",
    "get_muted_count",
    "ablock",
    "aunblock",
    "ais_blocked",
    "aget_blocked",
    "aget_blocked_count",
    "amute",
    "aunmute",
    "ais_muted",
    "aget_muted",
    "aget_muted_count",
]
