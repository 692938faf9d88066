"""Things people do that become timeline actions; the views and ``seed_demo`` both call these.

A ``join`` is dated when the account was made (``date_joined``); the others take ``at``, when it
happened (default: now). ``seed_demo`` backdates both so that the demo's feeds read as a lived-in
site's do ("3 weeks ago", "5 minutes ago") rather than all at the moment of seeding.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sequere.contrib.timeline import Timeline

from .models import Like, Project, Status
from .sequere_registry import JoinAction, LikeAction, PostAction


def join(user) -> None:
    """Announce a new member in their timeline (and so in their followers' feeds)."""
    Timeline(user).save(JoinAction(actor=user, date=user.date_joined))


@transaction.atomic
def post_status(user, text: str, at: datetime | None = None) -> Status:
    """Store a status and save a ``post`` action targeting it, both dated ``at``."""
    status = Status.objects.create(author=user, text=text, created_at=at or timezone.now())
    Timeline(user).save(PostAction(actor=user, target=status, date=status.created_at))
    return status


@transaction.atomic
def like_project(user, project: Project, at: datetime | None = None) -> bool:
    """Like ``project`` once; save a ``like`` action. False when it was already liked."""
    like, created = Like.objects.get_or_create(
        user=user, project=project, defaults={"created_at": at or timezone.now()}
    )
    if created:
        Timeline(user).save(LikeAction(actor=user, target=project, date=like.created_at))
    return created


def unlike_project(user, project: Project) -> bool:
    """Take a like back (the past ``like`` action stays in the timelines). False if there was none."""
    deleted, _ = Like.objects.filter(user=user, project=project).delete()
    return deleted > 0
