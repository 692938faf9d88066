"""Follow requests in the Redis follow backend (mixed into :class:`~.backend.RedisBackend`).

A pending request ``follower -> followed`` is stored twice, like an edge: the follower's pk in
the followed's requests received (``P{followed}:ri:J``, what :func:`~sequere.models.approve`
and :func:`~sequere.models.get_follow_requests` read, the half that decides) and the followed's
pk in the follower's requests sent (``P{follower}:ro:J``); scores are the request's date. Keys
in :mod:`.keys`, scripts in ``lua/request*.lua``, ``lua/drop_request*.lua``, ``lua/approve*.lua``.

* **Single Redis**: one script per call over both sides, atomic, one round trip: a request
  (refused when the edge exists or a request is pending), a drop (deny, cancel), an approval
  (the request removed and both halves of the edge added, as ``follow.lua`` adds them).
* **Redis Cluster**: a request and a drop send one script per side in one pipeline (one round
  trip per slot, both in flight together); the followed's half decides. An approval sends the
  followed's half first (``approve_half.lua``: the request removed and the followed's half of
  the edge added, by ``follow_half.lua``'s last-writer-wins rule), then, once it approved, the
  follower's half (``follow_half.lua`` and the sent entry dropped, one pipeline): one round trip
  per slot, one after the other. If that second one is lost twice, the approval is made but the
  follower's half unknown: :class:`~sequere.exceptions.OutcomeUnknownException`, and the outbox
  job :func:`sequere.follow_requests.finish_approval` completes the half (idempotent) and sends
  the signals.

Every write recognises its own earlier run (a request and an approval by their date, a drop by
an operation id in an outcome marker, ``P{followed}:uri:J:L``), so :meth:`.Link.write` may
resend it once after a lost reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from ...redis.scripts import ScriptCall
from ...refs import Ref
from ...timeutils import to_micros
from ..base import ADDED, APPROVED, FOLLOWING, MISSING, PENDING
from . import scripts
from .bulk import WRITE_BATCH
from .keys import FOLLOWERS_CODE, FOLLOWINGS_CODE, REQUESTS_CODE, SENT_REQUESTS_CODE
from .single import MARKER_LIFETIME, new_operation_id

if TYPE_CHECKING:
    from .backend import RedisBackend


class RequestMethods:
    """The follow-request half of the backend contract on Redis (see :mod:`.requests`)."""

    def _request_keys(self: RedisBackend, follower: Ref, followed: Ref) -> dict[str, str]:
        keys = self.keys
        return {
            "followed_requests": keys.key(followed, REQUESTS_CODE, follower.identifier),
            "follower_sent": keys.key(follower, SENT_REQUESTS_CODE, followed.identifier),
        }

    def _write_request(
        self: RedisBackend, operation: str, follower: Ref, followed: Ref, calls: list, token: str
    ) -> list[dict]:
        edge = f"{follower.identifier}:{follower.object_id} -> {followed.identifier}:{followed.object_id}"
        return self.link.write(
            calls,
            f"this {operation} ({edge})",
            operation=operation,
            follower=follower,
            followed=followed,
            token=token,
        )

    def add_request(self: RedisBackend, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """``request.lua`` (single Redis) or two ``request_half.lua`` in one pipeline (cluster)."""
        stamp = to_micros(created_at)
        keys = self._request_keys(from_ref, to_ref)
        followed_followers = self.keys.key(to_ref, FOLLOWERS_CODE, from_ref.identifier)
        if self.link.cluster:
            follower_followings = self.keys.key(from_ref, FOLLOWINGS_CODE, to_ref.identifier)
            b_blocks, b_blocked_by = self.keys.blocks(to_ref, from_ref.identifier)
            a_blocks, a_blocked_by = self.keys.blocks(from_ref, to_ref.identifier)
            calls = [
                ScriptCall(
                    scripts.REQUEST_HALF,
                    {
                        "joined": followed_followers,
                        "requests": keys["followed_requests"],
                        "blocks": b_blocks,
                        "blocked_by": b_blocked_by,
                    },
                    {"time": stamp, "member": from_ref.object_id},
                ),
                ScriptCall(
                    scripts.REQUEST_HALF,
                    {
                        "joined": follower_followings,
                        "requests": keys["follower_sent"],
                        "blocks": a_blocks,
                        "blocked_by": a_blocked_by,
                    },
                    {"time": stamp, "member": to_ref.object_id},
                ),
            ]
        else:
            blocks, blocked_by = self.keys.blocks(to_ref, from_ref.identifier)
            calls = [
                ScriptCall(
                    scripts.REQUEST,
                    {
                        "followed_followers": followed_followers,
                        **keys,
                        "followed_blocks": blocks,
                        "followed_blocked_by": blocked_by,
                    },
                    {"time": stamp, "follower": from_ref.object_id, "followed": to_ref.object_id},
                )
            ]
        answer = self._write_request("follow request", from_ref, to_ref, calls, str(stamp))[0]
        if answer["blocked"]:
            self.refuse_blocked(from_ref, to_ref)
        if answer["added"] or answer["again"]:
            return ADDED
        return FOLLOWING if answer["following"] else PENDING

    def remove_request(self: RedisBackend, from_ref: Ref, to_ref: Ref) -> bool:
        """``drop_request.lua`` (single Redis) or one ``drop_request_half.lua`` per side (cluster)."""
        op = new_operation_id()
        answer = self._write_request(
            "request removal", from_ref, to_ref, self._drop_calls(from_ref, to_ref, op), op
        )[0]
        return answer["removed"] or answer["again"]

    def remove_requests_between(self: RedisBackend, a: Ref, b: Ref) -> int:
        """Both directions' drops in one pipeline: one round trip per node."""
        calls = self._drop_calls(a, b, "") + self._drop_calls(b, a, "")
        replies = self.link.run_many(calls)
        first, second = replies[0], replies[len(calls) // 2]
        return int(first["removed"]) + int(second["removed"])

    def _drop_calls(self: RedisBackend, from_ref: Ref, to_ref: Ref, op: str) -> list[ScriptCall]:
        keys = self._request_keys(from_ref, to_ref)
        marker = self.keys.marker(to_ref, REQUESTS_CODE, from_ref)
        if self.link.cluster:
            calls = [
                ScriptCall(
                    scripts.DROP_REQUEST_HALF,
                    {"requests": keys["followed_requests"], "marker": marker},
                    {"member": from_ref.object_id, "op": op, "keep": MARKER_LIFETIME},
                ),
                ScriptCall(
                    scripts.DROP_REQUEST_HALF,
                    {
                        "requests": keys["follower_sent"],
                        "marker": self.keys.marker(from_ref, SENT_REQUESTS_CODE, to_ref),
                    },
                    {"member": to_ref.object_id, "op": "", "keep": MARKER_LIFETIME},
                ),
            ]
        else:
            calls = [
                ScriptCall(
                    scripts.DROP_REQUEST,
                    {**keys, "marker": marker},
                    {
                        "follower": from_ref.object_id,
                        "followed": to_ref.object_id,
                        "op": op,
                        "keep": MARKER_LIFETIME,
                    },
                )
            ]
        return calls

    def approve_request(self: RedisBackend, from_ref: Ref, to_ref: Ref, created_at: datetime) -> str:
        """``approve.lua`` (single Redis); on a cluster ``approve_half.lua``, then the follower's half."""
        stamp = to_micros(created_at)
        if self.link.cluster:
            return self._approve_on_cluster(from_ref, to_ref, stamp)
        keys = {**self._request_keys(from_ref, to_ref), **self.keys.edge(from_ref, to_ref)}
        keys["followed_blocks"], keys["followed_blocked_by"] = self.keys.blocks(to_ref, from_ref.identifier)
        args = {"time": stamp, "follower": from_ref.object_id, "followed": to_ref.object_id}
        call = ScriptCall(scripts.APPROVE, keys, args)
        answer = self._write_request("approval", from_ref, to_ref, [call], str(stamp))[0]
        if answer["blocked"]:
            self.refuse_blocked(from_ref, to_ref)
        if answer["approved"] or answer["again"]:
            return APPROVED
        return FOLLOWING if answer["following"] else MISSING

    def _approve_on_cluster(self: RedisBackend, from_ref: Ref, to_ref: Ref, stamp: int) -> str:
        half = self.writes.half(True, from_ref, to_ref, 1, stamp)
        keys = dict(zip(scripts.FOLLOW_HALF.keys, half.keys, strict=True))
        keys["requests"] = self._request_keys(from_ref, to_ref)["followed_requests"]
        call = ScriptCall(scripts.APPROVE_HALF, keys, {"time": stamp, "member": from_ref.object_id})
        answer = self._write_request("approval", from_ref, to_ref, [call], str(stamp))[0]
        if answer["blocked"]:
            self.refuse_blocked(from_ref, to_ref)
        if not (answer["approved"] or answer["again"]):
            return MISSING
        self._follower_half_of_approval(from_ref, to_ref, stamp)
        return APPROVED if answer["applied"] or answer["again"] else FOLLOWING

    def _follower_half_of_approval(self: RedisBackend, from_ref: Ref, to_ref: Ref, stamp: int) -> None:
        sent = self._request_keys(from_ref, to_ref)["follower_sent"]
        calls = [
            self.writes.half(True, from_ref, to_ref, 0, stamp),
            ScriptCall(
                scripts.DROP_REQUEST_HALF,
                {"requests": sent, "marker": self.keys.marker(from_ref, SENT_REQUESTS_CODE, to_ref)},
                {"member": to_ref.object_id, "op": "", "keep": MARKER_LIFETIME},
            ),
        ]
        self._write_request("approval", from_ref, to_ref, calls, str(stamp))

    def finish_approval(self: RedisBackend, from_ref: Ref, to_ref: Ref, created_at: datetime) -> bool:
        """Cluster: the follower's half again (idempotent); then whether the edge is there at
        ``created_at``. Single Redis: whether the approval script ran (the edge at that date)."""
        stamp = to_micros(created_at)
        if self.link.cluster:
            followers = self.keys.key(to_ref, FOLLOWERS_CODE, from_ref.identifier)
            with self.link.errors:
                score = self.link.client.zscore(followers, from_ref.object_id)
            if score is None or int(score) != stamp:
                return False
            self._follower_half_of_approval(from_ref, to_ref, stamp)
        return self.made("follow", from_ref, to_ref, str(stamp))

    def iter_requests(
        self: RedisBackend, chunk_size: int = 1000
    ) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """The requests-received sets (``ri``, the half that decides; see
        :meth:`~.bulk.BulkMethods.iter_scored`), each entry turned to ``(from, to, date)``."""
        for chunk in self.iter_scored(REQUESTS_CODE, chunk_size):
            yield [(fan, followed, at) for followed, fan, at in chunk]

    def request_exists(self: RedisBackend, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``ZSCORE`` on the followed's requests received."""
        key = self._request_keys(from_ref, to_ref)["followed_requests"]
        with self.link.errors:
            return self.link.client.zscore(key, from_ref.object_id) is not None

    async def arequest_exists(self: RedisBackend, from_ref: Ref, to_ref: Ref) -> bool:
        """One ``ZSCORE``, awaited (``redis.asyncio``)."""
        link = await self.alink()
        key = self._request_keys(from_ref, to_ref)["followed_requests"]
        with link.errors:
            return await link.client.zscore(key, from_ref.object_id) is not None

    def remove_requests_of(self: RedisBackend, ref: Ref, identifiers: list[str]) -> None:
        """Drop every pending request from or to ``ref`` from the other sides (it was deleted);
        ``ref``'s own request sets go with its other keys."""
        link = self.link
        for code in (REQUESTS_CODE, SENT_REQUESTS_CODE):
            for identifier in identifiers:
                key = self.keys.key(ref, code, identifier)
                start = 0
                while True:
                    with link.errors:
                        members = link.client.zrange(key, start, start + WRITE_BATCH - 1)
                    if not members:
                        break
                    pipe = link.pipeline()
                    for member in members:
                        other = Ref(identifier, member)
                        if code == REQUESTS_CODE:  # other asked ref: other's sent entry
                            pipe.pipe.zrem(
                                self.keys.key(other, SENT_REQUESTS_CODE, ref.identifier), ref.object_id
                            )
                        else:
                            pipe.pipe.zrem(self.keys.key(other, REQUESTS_CODE, ref.identifier), ref.object_id)
                    pipe.execute()
                    start += WRITE_BATCH
