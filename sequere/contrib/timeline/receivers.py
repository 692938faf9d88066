"""Follows, unfollows and deletes move actions between timelines (connected by the app's ``ready()``)."""

from __future__ import annotations

from typing import Any

from ...conf import sequere_settings
from ...outbox import enqueue
from ...refs import Ref
from ...registration import registry
from . import jobs


def on_followed(sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
    """Queue the import of ``to_instance``'s recent actions (``SEQUERE_TIMELINE_IMPORT_ON_FOLLOW``),
    or its pull when it is a pulled actor (``SEQUERE_TIMELINE_PUSH_LIMIT``)."""
    if sequere_settings.TIMELINE_IMPORT_ON_FOLLOW or sequere_settings.TIMELINE_PUSH_LIMIT is not None:
        owner, source = registry.get_ref(from_instance), registry.get_ref(to_instance)
        copy = bool(sequere_settings.TIMELINE_IMPORT_ON_FOLLOW)
        enqueue(jobs.import_actions, owner=list(owner), source=list(source), copy=copy)


def on_unfollowed(sender: type, from_instance: Any, to_instance: Any, **kwargs: Any) -> None:
    """Queue the removal of ``to_instance``'s actions (``SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW``)."""
    if sequere_settings.TIMELINE_REMOVE_ON_UNFOLLOW:
        owner, actor = registry.get_ref(from_instance), registry.get_ref(to_instance)
        enqueue(jobs.remove_actions, owner=list(owner), actor=list(actor))
    elif sequere_settings.TIMELINE_PUSH_LIMIT is not None:
        owner, actor = registry.get_ref(from_instance), registry.get_ref(to_instance)
        enqueue(jobs.stop_pulling, owner=list(owner), actor=list(actor))


def on_forgotten(sender: type, ref: Ref, **kwargs: Any) -> None:
    """A registered instance was deleted: take its actions out of its followers' timelines (one
    job per chunk of followers, read now while the edges still exist), then drop its own
    timelines and the actions it performed."""
    jobs.forget_timelines(list(ref))
