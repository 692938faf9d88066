"""The public follow API, importable as the seed README shows::

    from sequere.models import follow, unfollow, is_following, get_followers

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
from .outbox import PendingJob  # noqa: F401  (the app's model: Django finds it here)

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
]
