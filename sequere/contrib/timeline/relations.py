"""Blocks and mutes in the timelines: what ``block``/``mute``/``unmute`` move, and the fan-out filter.

* A block removes the follows both ways; their ``unfollowed`` signals take each side's actions out
  of the other's private timeline as any unfollow does (:func:`~.jobs.remove_actions`). The
  ``blocked`` signal also queues :func:`hide_actions` both ways, which removes what came through a
  followed target (``Action.deliver_to``) as well.
* A mute queues :func:`hide_actions`: the muted actor's entries leave the private timeline and it
  leaves the pulled followings (hybrid fan-out), while the follow stays. The job leaves the mark
  an unfollow leaves, so a delivery whose chunk was read before the mute skips the owner
  (:meth:`~.backends.base.BaseTimelineBackend.remove_actor`).
* An unmute queues :func:`~.jobs.import_actions`, as a follow does: the actor's recent public
  actions come back (or its pull, for a pulled actor).

The fan-out (:func:`~.jobs.deliver`, :func:`~.jobs.pull_chunk`) and the import leave out the owners
:func:`visible` drops: one call of the follow backend's ``hidden_among`` per chunk of followers
(one query, or one round trip on the actor's slot), whatever the chunk's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...backends import get_backend
from ...conf import sequere_settings
from ...outbox import enqueue
from ...refs import Ref
from ...registration import registry
from ...timeutils import now_micros
from .backends import get_timeline_backend

__all__ = ["hide_actions", "visible", "is_hidden", "on_blocked", "on_muted", "on_unmuted"]


def visible(actor: Ref, owners: list[Ref]) -> list[Ref]:
    """``owners`` less those that must not see ``actor``'s actions (they mute or block it, or it
    blocks them): one backend call; ``owners`` as they are when the backend stores no relations."""
    follows = get_backend()
    if not owners or not follows.supports_relations:
        return owners
    hidden = follows.hidden_among(actor, owners)
    return [owner for owner in owners if owner not in hidden] if hidden else owners


def is_hidden(owner: Ref, actor: Ref) -> bool:
    """Whether ``owner`` must not see ``actor``'s actions (see :func:`visible`)."""
    return not visible(actor, [owner])


def hide_actions(owner: Sequence[str], actor: Sequence[str]) -> int:
    """``owner`` muted or blocked ``actor`` (or was blocked by it): ``actor``'s actions leave
    ``owner``'s private timeline and its pulled followings. Nothing happens when that is no longer
    so by the time the job runs (an unmute or unblock came first). Returns how many were removed.
    """
    owner_ref, actor_ref = Ref(*map(str, owner)), Ref(*map(str, actor))
    at = now_micros()
    if not is_hidden(owner_ref, actor_ref):
        return 0
    return get_timeline_backend().remove_actor(owner_ref, actor_ref, at=at)


def on_blocked(sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
    """Queue :func:`hide_actions` both ways."""
    a, b = registry.get_ref(from_instance), registry.get_ref(to_instance)
    enqueue(hide_actions, owner=list(a), actor=list(b))
    enqueue(hide_actions, owner=list(b), actor=list(a))


def on_muted(sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
    """Queue :func:`hide_actions` for the muted actor."""
    owner, actor = registry.get_ref(from_instance), registry.get_ref(to_instance)
    enqueue(hide_actions, owner=list(owner), actor=list(actor))


def on_unmuted(sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
    """Queue the import of the actor's recent actions, as following it does."""
    from . import jobs

    if sequere_settings.TIMELINE_IMPORT_ON_FOLLOW or sequere_settings.TIMELINE_PUSH_LIMIT is not None:
        owner, source = registry.get_ref(from_instance), registry.get_ref(to_instance)
        copy = bool(sequere_settings.TIMELINE_IMPORT_ON_FOLLOW)
        enqueue(jobs.import_actions, owner=list(owner), source=list(source), copy=copy)
