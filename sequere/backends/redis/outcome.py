"""What one follow or unfollow did to each half of its edge."""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):
    """Whether the follower's half and the followed's half changed.

    ``follow()`` and ``unfollow()`` report the follower's half: on Redis Cluster two racing calls
    may each come first on one half, but only one can come first on the follower's.
    """

    follower: bool
    followed: bool

    @property
    def changed(self) -> bool:
        """Whether either half changed (a bulk write counts such an edge as new)."""
        return self.follower or self.followed
