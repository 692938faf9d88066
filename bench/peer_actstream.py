"""The peer: django-activity-stream's calls for each benchmark case, as its documentation shows them.

Each function does what one request of an application would do, with instances loaded, so the
timings compare like with like: the follow relationship alone (``send_action=False``), a followers
page of 20 newest first with the users loaded, a feed page of 20 with actor and target loaded (the
stream prefetches them), and the feed count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from actstream.actions import follow, is_following
from actstream.models import Action, Follow, user_stream
from actstream.signals import action

__all__ = [
    "follow_user",
    "is_following_user",
    "followers_page",
    "save_action",
    "feed_page",
    "feed_count",
    "unread_count",
    "action_count",
]


def follow_user(user: Any, other: Any) -> None:
    """``user`` starts following ``other`` (no "started following" action, like sequere's follow)."""
    follow(user, other, send_action=False)


def is_following_user(user: Any, other: Any) -> bool:
    """Whether ``user`` follows ``other``."""
    return is_following(user, other)


def followers_page(actor: Any, size: int = 20) -> list[tuple[Any, datetime]]:
    """The ``size`` newest followers of ``actor`` with their users loaded, and when they followed."""
    rows = Follow.objects.followers_qs(actor).order_by("-started")[:size]
    return [(row.user, row.started) for row in rows]


def save_action(actor: Any, target: Any) -> None:
    """Record "``actor`` like ``target``" through actstream's ``action`` signal."""
    action.send(actor, verb="like", target=target)


def feed_page(user: Any, size: int = 20) -> list[tuple[Any, str, Any]]:
    """The newest ``size`` actions of the actors ``user`` follows, with actor and target loaded."""
    return [(item.actor, item.verb, item.target) for item in user_stream(user)[:size]]


def feed_count(user: Any) -> int:
    """How many actions are in ``user``'s feed."""
    return user_stream(user).count()


def unread_count(user: Any, read_at: datetime) -> int:
    """How many feed actions are newer than ``read_at`` (actstream keeps no read marker itself)."""
    return user_stream(user).filter(timestamp__gt=read_at).count()


def action_count() -> int:
    """Rows in actstream's action table."""
    return Action.objects.count()
