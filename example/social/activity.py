"""Things people do that become timeline actions; the views and ``seed_demo`` both call these."""

from __future__ import annotations

from django.db import transaction

from sequere.contrib.timeline import Timeline

from .models import Like, Project, Status
from .sequere_registry import JoinAction, LikeAction, PostAction


def join(user) -> None:
    """Announce a new member in their timeline (and so in their followers' feeds)."""
    Timeline(user).save(JoinAction(actor=user))


@transaction.atomic
def post_status(user, text: str) -> Status:
    """Store a status and save a ``post`` action targeting it."""
    status = Status.objects.create(author=user, text=text)
    Timeline(user).save(PostAction(actor=user, target=status))
    return status


@transaction.atomic
def like_project(user, project: Project) -> bool:
    """Like ``project`` once; save a ``like`` action. False when it was already liked."""
    _, created = Like.objects.get_or_create(user=user, project=project)
    if created:
        Timeline(user).save(LikeAction(actor=user, target=project))
    return created


def unlike_project(user, project: Project) -> bool:
    """Take a like back (the past ``like`` action stays in the timelines). False if there was none."""
    deleted, _ = Like.objects.filter(user=user, project=project).delete()
    return deleted > 0
