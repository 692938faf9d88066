"""What :func:`sequere.models.follow` answers: :data:`FOLLOWED` or :data:`REQUESTED`."""

from __future__ import annotations

from enum import Enum

__all__ = ["FollowResult", "FOLLOWED", "REQUESTED"]


class FollowResult(str, Enum):
    """The change a :func:`~sequere.models.follow` call made; a ``str``, so it compares with
    ``"followed"``/``"requested"`` and goes into JSON as that string. Both are truthy; a call
    that changed nothing (only with ``SEQUERE_FAIL_SILENTLY = True``) answers ``None``."""

    #: the edge was made: ``from_instance`` follows ``to_instance`` now
    FOLLOWED = "followed"
    #: ``to_instance`` requires approval: a pending follow request was stored instead
    REQUESTED = "requested"

    def __str__(self) -> str:
        return self.value


FOLLOWED = FollowResult.FOLLOWED
REQUESTED = FollowResult.REQUESTED
