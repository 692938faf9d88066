"""Consistency audit of the follow requests in the Redis store (part of ``sequere_check``).

A pending request is stored twice (:mod:`.requests`): in the account's requests received
(``ri``, the half that decides) and in the requester's requests sent (``ro``). On a single Redis
one script writes both; on Redis Cluster they live on two nodes, and a node lost in the middle
of a write can leave one alone. Found, and with ``fix`` repaired:

* a request received with no sent entry (or another date): the sent entry is set to it;
* a sent entry with no request received: it is removed.

A request of a pair that follows already is not a problem: it is left by a plain follow after
the account stopped requiring approval, and ``approve`` removes it (:doc:`/requests`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...refs import Ref
from .keys import REQUESTS_CODE, SENT_REQUESTS_CODE

if TYPE_CHECKING:
    from .audit import Report, Store

BATCH = 500


def _label(ref: Ref) -> str:
    return f"{ref.identifier}:{ref.object_id}"


def _pages(store: Store, key: str):
    start = 0
    while True:
        with store.link.errors:
            rows = store.link.client.zrange(key, start, start + BATCH - 1, withscores=True)
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        start += BATCH


def check_requests(store: Store, fix: bool, report: Report) -> None:
    """Both halves of every pending request agree (the account's half deciding)."""
    link, keys = store.link, store.keys
    for key in store.scan_keys(REQUESTS_CODE):
        account, _, identifier = keys.parse(key)
        for rows in _pages(store, key):
            report.checked += len(rows)
            requesters = [Ref(identifier, member) for member, _ in rows]
            sent_keys = [keys.key(r, SENT_REQUESTS_CODE, account.identifier) for r in requesters]
            pipe = link.pipeline()
            for sent_key in sent_keys:
                pipe.pipe.zscore(sent_key, account.object_id)
            repair, repairs = link.pipeline(), 0
            for requester, sent_key, (_, score), sent in zip(
                requesters, sent_keys, rows, pipe.execute(), strict=True
            ):
                if sent is None or int(sent) != int(score):
                    report.problem(
                        f"the request of {_label(requester)} to follow {_label(account)} is "
                        + (
                            "missing from its sent requests"
                            if sent is None
                            else "dated otherwise in its sent requests"
                        )
                    )
                    repair.pipe.zadd(sent_key, {account.object_id: int(score)})
                    repairs += 1
            if fix and repairs:
                repair.execute()
                report.fixed += repairs
    for key in store.scan_keys(SENT_REQUESTS_CODE):
        requester, _, identifier = keys.parse(key)
        for rows in _pages(store, key):
            accounts = [Ref(identifier, member) for member, _ in rows]
            pipe = link.pipeline()
            for account in accounts:
                pipe.pipe.zscore(keys.key(account, REQUESTS_CODE, requester.identifier), requester.object_id)
            repair, repairs = link.pipeline(), 0
            for account, received in zip(accounts, pipe.execute(), strict=True):
                if received is None:
                    report.problem(
                        f"{_label(requester)} lists a request to follow {_label(account)} that "
                        f"{_label(account)} never received"
                    )
                    repair.pipe.zrem(key, account.object_id)
                    repairs += 1
            if fix and repairs:
                repair.execute()
                report.fixed += repairs
