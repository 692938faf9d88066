"""Waiting in a test for what a worker thread writes, on any test database."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import OperationalError, connection


def wait_until(check: Callable[[], object], seconds: float = 60) -> None:
    """Ask ``check()`` every 50 ms until it is true; after ``seconds``, assert it once more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if settled(check):
            return
        time.sleep(0.05)
    assert check()


def settled(check: Callable[[], object]) -> bool:
    """``check()``; False while SQLite's shared in-memory test database has the table locked.

    A worker thread writes the outbox (a chunk's row, then its delete) on the same shared-cache
    database, where a read meeting a write fails at once ("database table is locked") instead of
    waiting; the worker's task retries such an error itself, and the test asks again.
    """
    try:
        return bool(check())
    except OperationalError as exc:
        if connection.vendor == "sqlite" and "locked" in str(exc):
            return False
        raise
