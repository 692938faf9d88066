"""Follow requests on the database backend under real concurrency (PostgreSQL): approve racing
cancel and deny from separate connections, and concurrent requests of one pair."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from sequere.backends import FOLLOWERS, REQUESTS, SENT_REQUESTS, get_backend
from sequere.backends.base import ADDED, APPROVED, MISSING, PENDING
from sequere.refs import Ref
from sequere.timeutils import from_micros

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time (and its test database is in memory)")
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"


def together(*calls):
    """Run the calls in threads started at once, each on its own connection; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_approve_racing_cancel_and_deny():
    backend = get_backend()
    account = Ref("user", "account")
    for i in range(30):
        asker = Ref("user", f"r{i}")
        backend.add_request(asker, account, from_micros(i))
        approved_at = from_micros(1_000 + i)
        approved, cancelled, denied = together(
            lambda a=asker, at=approved_at: backend.approve_request(a, account, at),
            lambda a=asker: backend.remove_request(a, account),
            lambda a=asker: backend.remove_request(a, account),
        )
        assert approved in (APPROVED, MISSING), approved
        assert [approved == APPROVED, cancelled, denied].count(True) == 1, (approved, cancelled, denied)
        assert backend.exists(asker, account) is (approved == APPROVED)
        assert not backend.request_exists(asker, account)
    assert backend.count(REQUESTS, account) == 0
    assert backend.count(FOLLOWERS, account) == sum(
        backend.exists(Ref("user", f"r{i}"), account) for i in range(30)
    )


def test_concurrent_requests_of_one_pair_store_one():
    backend = get_backend()
    asker, account = Ref("user", "a"), Ref("user", "b")
    results = together(*[lambda i=i: backend.add_request(asker, account, from_micros(i)) for i in range(8)])
    assert sorted(results) == [ADDED] + [PENDING] * 7
    assert backend.count(REQUESTS, account) == 1 == backend.count(SENT_REQUESTS, asker)
