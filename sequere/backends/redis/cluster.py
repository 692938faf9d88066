"""The Redis Cluster write protocol of the follow backend: last-writer-wins halves, tombstones.

On a cluster the two halves of an edge (see :mod:`sequere.backends.redis.single`) live on two
resources' slots, usually two nodes, so no one script can write both. A follow or unfollow sends
one script per half (``lua/follow_half.lua``, ``lua/unfollow_half.lua``), both in one pipeline:
at most one round trip per node, both in flight together.

Two callers following and unfollowing one edge at the same moment can reach the two nodes in
opposite orders. So that both halves still end the same, each half is a last-writer-wins
register per edge, ordered by the operation's time (the follow's date, its score; the
unfollow's time), and keeps *tombstones*: a hash per list (``P{I:K}:ti:J``, ``P{I:K}:to:J``,
member -> time) holding the time of the last unfollow of an absent member, or of a follow later
than the score of a present one. The rule, applied alike on both halves, is in the two scripts'
headers; whatever order the calls arrive in, a half holds the edge exactly when the latest follow
is strictly later than the latest unfollow. The follower's half decides what ``follow()`` and
``unfollow()`` report.

Tombstones only need to outlive the calls that could still race them. They get a lifetime,
``SEQUERE_REDIS_TOMBSTONE_LIFETIME`` (seconds, default :data:`DEFAULT_TOMBSTONE_LIFETIME`): a
tombstone older than that is garbage, and ``manage.py sequere_check --fix`` sweeps it
(:meth:`ClusterWrites.sweep`). A call delayed by more than the lifetime (a stuck request retried
a week later) may then be decided as if the unfollow had never been seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ...conf import DEFAULTS, sequere_settings
from ...redis.link import Link
from ...redis.scripts import ScriptCall
from ...refs import Ref
from ...timeutils import to_micros
from . import scripts
from .keys import FOLLOWERS_CODE, FOLLOWINGS_CODE, KeyBuilder
from .outcome import Outcome
from .single import MARKER_LIFETIME, new_operation_id

#: Seconds a tombstone is kept (``SEQUERE_REDIS_TOMBSTONE_LIFETIME`` overrides it): a week.
DEFAULT_TOMBSTONE_LIFETIME = DEFAULTS["REDIS_TOMBSTONE_LIFETIME"]
#: Tombstones read per ``HSCAN`` page and swept per script call.
SWEEP_BATCH = 500


def tombstone_lifetime() -> timedelta:
    """``SEQUERE_REDIS_TOMBSTONE_LIFETIME`` (seconds, or a timedelta) as a timedelta.

    ImproperlyConfigured when it is neither, or not positive (system check ``sequere.E005``).
    """
    value = sequere_settings.REDIS_TOMBSTONE_LIFETIME
    if isinstance(value, timedelta):
        lifetime = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        lifetime = timedelta(seconds=value)
    else:
        raise ImproperlyConfigured(
            f"SEQUERE_REDIS_TOMBSTONE_LIFETIME = {value!r} is not a number of seconds; "
            "use e.g. 7 * 24 * 3600 or datetime.timedelta(days=7)."
        )
    if lifetime <= timedelta(0):
        raise ImproperlyConfigured(
            f"SEQUERE_REDIS_TOMBSTONE_LIFETIME = {value!r} must be positive: far longer than any "
            "call may take to arrive, e.g. a week (7 * 24 * 3600)."
        )
    return lifetime


class ClusterWrites:
    """The write calls of the follow backend on Redis Cluster (see the module doc)."""

    def __init__(self, keys: KeyBuilder) -> None:
        self.keys = keys

    def half(
        self, add: bool, follower: Ref, followed: Ref, side: int, stamp: int, op: str | None = None
    ) -> ScriptCall:
        """The script call of one half: ``side`` 0 is the follower's, 1 the followed's.

        ``add`` picks the follow script (else the unfollow one); ``stamp`` is the operation's
        time in microseconds; ``op`` an unfollow's operation id (default: a new one; ``""``
        writes no outcome marker). A resent half recognises its own earlier run as on a single
        Redis (:mod:`sequere.backends.redis.single`): a follow by its score, an unfollow by the
        half's outcome marker.
        """
        if side == 0:
            ref, other, code = follower, followed, FOLLOWINGS_CODE
        else:
            ref, other, code = followed, follower, FOLLOWERS_CODE
        followers, followings, friends = self.keys.lists(ref, other.identifier)
        joined, reverse = (followings, followers) if side == 0 else (followers, followings)
        keys = {
            "list": joined,
            "reverse": reverse,
            "friends": friends,
            "tombstones": self.keys.tombstones(ref, code, other.identifier),
        }
        args = {"time": stamp, "member": other.object_id}
        if add:
            keys["blocks"], keys["blocked_by"] = self.keys.blocks(ref, other.identifier)
            return ScriptCall(scripts.FOLLOW_HALF, keys, args)
        keys["marker"] = self.keys.marker(ref, code, other)
        args["op"] = new_operation_id() if op is None else op
        args["keep"] = MARKER_LIFETIME
        return ScriptCall(scripts.UNFOLLOW_HALF, keys, args)

    def follow(self, follower: Ref, followed: Ref, stamp: int) -> list[ScriptCall]:
        """Both halves of a follow dated ``stamp``, the follower's first."""
        return [self.half(True, follower, followed, side, stamp) for side in (0, 1)]

    def unfollow(
        self, follower: Ref, followed: Ref, stamp: int | None = None, op: str | None = None
    ) -> list[ScriptCall]:
        """Both halves of an unfollow at ``stamp`` (default: now), the follower's first; ``op``
        as for :meth:`half` (one id for both halves)."""
        if stamp is None:
            stamp = to_micros(timezone.now())
        if op is None:
            op = new_operation_id()
        return [self.half(False, follower, followed, side, stamp, op) for side in (0, 1)]

    def outcome(self, results: list[dict]) -> Outcome:
        """What the two halves' replies say each did."""
        first, second = results
        return Outcome(
            follower=first["applied"],
            followed=second["applied"],
            again=first["again"],
            blocked=first.get("blocked", False) or second.get("blocked", False),
        )

    def resource_keys(self, ref: Ref, identifiers: list[str]) -> list[str]:
        """``ref``'s tombstone hashes (deleted with its lists when the instance is deleted)."""
        codes = (FOLLOWERS_CODE, FOLLOWINGS_CODE)
        return [self.keys.tombstones(ref, code, i) for code in codes for i in identifiers]

    def copy_tombstones(self, link: Link, pairs: list[tuple[Ref, Ref]]) -> None:
        """Repairs: give each (follower, followed) edge's followed half the follower's tombstone.

        After ``sequere_check --fix`` has made the followed's half match the follower's, later
        calls must be decided alike on both, so the tombstone goes along (or goes, if none).
        """
        if not pairs:
            return
        keys = self.keys
        pipe = link.pipeline()
        for follower, followed in pairs:
            pipe.pipe.hget(
                keys.tombstones(follower, FOLLOWINGS_CODE, followed.identifier), followed.object_id
            )
        stamps = pipe.execute()
        pipe = link.pipeline()
        for (follower, followed), stamp in zip(pairs, stamps, strict=True):
            key = keys.tombstones(followed, FOLLOWERS_CODE, follower.identifier)
            if stamp is None:
                pipe.pipe.hdel(key, follower.object_id)
            else:
                pipe.pipe.hset(key, follower.object_id, stamp)
        pipe.execute()

    def sweep(self, link: Link, tombstone_keys: Iterable[str], *, fix: bool) -> tuple[int, int]:
        """``(expired, swept)``: tombstones older than the lifetime, and how many were deleted.

        Without ``fix`` nothing is deleted. Each page of one hash is swept by one script call
        that deletes a field only if it is still expired (a write may have renewed it).
        """
        cutoff = to_micros(timezone.now() - tombstone_lifetime())
        expired = swept = 0
        for key in tombstone_keys:
            for members in _expired_pages(link, key, cutoff):
                expired += len(members)
                if fix:
                    call = ScriptCall(
                        scripts.SWEEP, {"tombstones": key}, {"cutoff": cutoff, "members": members}
                    )
                    swept += link.run(call)["swept"]
        return expired, swept


def _expired_pages(link: Link, key: str, cutoff: int) -> Iterator[list[str]]:
    page: list[str] = []
    with link.errors:
        for member, stamp in link.client.hscan_iter(key, count=SWEEP_BATCH):
            if int(stamp) < cutoff:
                page.append(member)
                if len(page) >= SWEEP_BATCH:
                    yield page
                    page = []
    if page:
        yield page
