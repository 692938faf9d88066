"""What :func:`sequere.models.follow` answers: :data:`REQUESTED` for a follow request."""

from __future__ import annotations

from enum import Enum

__all__ = ["FollowResult", "REQUESTED"]


class FollowResult(str, Enum):
    """What a :func:`~sequere.models.follow` call left, when it is not a follow.

    A ``str``: it compares with ``"requested"`` and goes into JSON as that string; truthy.
    ``follow()`` answers ``None`` when it followed, as the original package did (so the README's
    sessions print nothing), and :data:`REQUESTED` when the object requires approval.
    """

    #: ``to_instance`` requires approval: a follow request is pending instead of a follow
    REQUESTED = "requested"

    def __str__(self) -> str:
        return self.value


REQUESTED = FollowResult.REQUESTED
