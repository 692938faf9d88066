"""What one follow or unfollow did to each half of its edge."""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):
    """Whether the follower's half and the followed's half changed.

    ``follow()`` and ``unfollow()`` report the follower's half (:attr:`reported`): on Redis
    Cluster two racing calls may each come first on one half, but only one can come first on the
    follower's. ``again`` says the follower's half found this very call's earlier write (the
    script was resent after its reply was lost): the call made the change, though not this run.
    """

    follower: bool
    followed: bool
    again: bool = False
    #: A half found a block between the two (a follow only): the follow is refused.
    blocked: bool = False

    @property
    def reported(self) -> bool:
        """Whether the call changed the edge: this run did (follower's half), or its first run did."""
        return self.follower or self.again

    @property
    def changed(self) -> bool:
        """Whether either half changed (a bulk write counts such an edge as new)."""
        return self.follower or self.followed
