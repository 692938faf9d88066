"""The outbox: derived work (timeline fan-out, imports, removals, clean-up) recorded with its change.

A change that has work to do elsewhere calls :func:`enqueue` with a *job*: a module-level function
of JSON keyword arguments that re-reads what it needs when it runs, so running it twice changes
nothing. How the job runs is the runner's business (:func:`set_runner`; the timeline app installs
one for ``SEQUERE_TIMELINE_FANOUT``):

* In this process (the default runner): the job runs once the change is visible (see
  :func:`enqueue`). When it fails on an unavailable service, a :class:`PendingJob` row is written
  instead, and :func:`replay` runs it later.
* On workers: a :class:`PendingJob` row is written in the caller's transaction, and once that
  commits the runner sends it to a worker, which deletes the row when the job is done. A send that
  fails (the broker is down or does not answer) leaves the row, and :func:`replay` sends it again.
  The parts a running job sends to workers (:func:`spawn`: the chunks of a fan-out) have rows of
  their own too, so a message the broker loses is sent again as well.

So a committed change always leaves either its derived work done or a row that says what is left;
``manage.py sequere_check --fix`` and the periodic ``sequere.replay_pending`` task replay the rows
whose time has come, with exponential backoff between attempts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Protocol

from django.db import DatabaseError, models, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .exceptions import BackendUnavailableException

logger = logging.getLogger("sequere.outbox")

#: What a job raises when a service it writes to is down: the work is kept for later.
UNAVAILABLE: tuple[type[BaseException], ...] = (BackendUnavailableException, ConnectionError, TimeoutError)

#: Jobs are functions of JSON keyword arguments that return what they did (a count).
Job = Callable[..., Any]

#: First wait before a failed job is tried again; it doubles with each attempt, up to the cap.
RETRY_AFTER = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=1)
#: A row older than this whose runner never confirmed it is sent again by :func:`replay`.
UNCONFIRMED_AFTER = timedelta(minutes=5)


class PendingJob(models.Model):
    """Derived work that is recorded but not done yet (see :mod:`sequere.outbox`)."""

    job = models.CharField(max_length=255, help_text="Dotted path of the job function.")
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    #: Not before this moment: set at creation and pushed back after each failure.
    run_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        app_label = "sequere"
        db_table = "sequere_pending_job"
        verbose_name = "pending job"
        indexes = [models.Index(fields=["run_after", "id"], name="sequere_pending_due_idx")]

    def __str__(self) -> str:
        return f"{self.job}({self.kwargs}) after {self.attempts} attempt(s)"


class Runner(Protocol):
    """How jobs run: in this process at once, or sent to workers once the transaction commits."""

    def in_process(self, job: Job) -> bool:
        """Whether ``job`` runs here, at once (else it is sent to a worker)."""

    def send(self, job: Job, kwargs: dict[str, Any], pending_id: int | None) -> None:
        """Have ``job(**kwargs)`` run, then ``done(pending_id)``; raise when it cannot be handed
        over (the row stays)."""


class InProcessRunner:
    """Runs every job in the calling process (what a project without workers gets)."""

    def in_process(self, job: Job) -> bool:
        return True

    def send(self, job: Job, kwargs: dict[str, Any], pending_id: int | None) -> None:
        job(**kwargs)
        done(pending_id)


_runner: Runner = InProcessRunner()


def set_runner(runner: Runner) -> None:
    """Install the runner every later :func:`enqueue` and :func:`replay` uses."""
    global _runner
    _runner = runner


def get_runner() -> Runner:
    """The installed runner."""
    return _runner


def job_path(job: Job) -> str:
    """The dotted path a row stores for ``job``; ValueError unless it imports back to ``job``."""
    path = f"{job.__module__}.{job.__qualname__}"
    try:
        found = import_string(path)
    except ImportError:
        found = None
    if found is not job:
        raise ValueError(f"{job!r} is not a module-level function; outbox jobs must be importable.")
    return path


def _db() -> str:
    return router.db_for_write(PendingJob)


def enqueue(job: Job, *, at_commit: bool = False, **kwargs: Any) -> None:
    """Record ``job(**kwargs)`` with the current change and have it run (see the module docstring).

    An in-process job runs once the change is visible to others: right after the commit of the
    transaction :func:`recording` opened for a caller in autocommit. Inside the caller's own
    transaction (a Django ``TestCase``, ``ATOMIC_REQUESTS``) it runs at once, so the caller sees
    it there, and once more after the commit, so that its guarantees against concurrent work (an
    unfollow racing a fan-out) hold; jobs are idempotent. ``at_commit=True`` makes it wait for the
    commit only: for jobs that must not run when the change rolls back.
    """
    runner = get_runner()
    if not runner.in_process(job) or at_commit:
        pending = _add(job, kwargs)
        transaction.on_commit(lambda: _send(runner, job, kwargs, pending.pk), using=_db())
        return
    in_block = transaction.get_connection(_db()).in_atomic_block
    if in_block and not _own_transaction.get():
        _run_now(job, kwargs)
    if in_block:
        transaction.on_commit(lambda: _run_now(job, kwargs), using=_db())
    else:
        _run_now(job, kwargs)


#: True inside the transaction :func:`recording` opened itself (the caller was in autocommit).
_own_transaction: ContextVar[bool] = ContextVar("sequere_own_transaction", default=False)


class Change:
    """What :func:`recording` knows of the change inside it: how to undo it, once it is made."""

    undo: Callable[[], Any] | None = None


@contextmanager
def recording(*, joins_database_transaction: bool, service: str) -> Iterator[Change]:
    """Make a change and record its derived work (:func:`enqueue`) as one step.

    The block runs in a transaction of the outbox's database: the caller's, or one of its own in
    autocommit. A store inside that transaction
    rolls back with it; for a store outside it (Redis), the block sets ``change.undo`` once the
    change is made, and a failure before the end of the block undoes the change, so the caller
    gets an error and nothing stored, never a change whose derived work was not recorded. A
    database failure is raised as :class:`BackendUnavailableException` naming the database.
    """
    change = Change()
    alias = _db()
    # Inside the caller's atomic block the change joins it (no savepoint: a follow stays one SQL
    # statement); in autocommit the block is a transaction of its own.
    in_transaction = transaction.get_connection(alias).in_atomic_block
    token = None if in_transaction else _own_transaction.set(True)
    try:
        with nullcontext() if in_transaction else transaction.atomic(using=alias):
            yield change
    except BaseException as exc:
        if change.undo is not None and not joins_database_transaction:
            try:
                change.undo()
            except Exception:  # noqa: BLE001 - the original failure is the one to report
                logger.exception("sequere: could not undo a %s change after %s", service, exc)
        if isinstance(exc, DatabaseError):
            raise BackendUnavailableException(
                f"The database {alias!r} (DATABASES[{alias!r}]) failed while recording the "
                f"derived work of this {service} change ({exc}); nothing was stored. Check that "
                "it is reachable and migrated (manage.py migrate sequere)."
            ) from exc
        raise
    finally:
        if token is not None:
            _own_transaction.reset(token)


def defer(job: Job, *, reason: str, **kwargs: Any) -> PendingJob:
    """Record ``job(**kwargs)`` to run after the first retry delay, whatever the runner.

    For work that must wait for a service to come back (``reason`` says why, shown by
    ``sequere_check``); :func:`replay` runs it, with backoff while it fails. The row is written
    at once (in the caller's transaction, if any).
    """
    with transaction.atomic(using=_db()):
        return _add(job, kwargs, error=reason)


def _add(job: Job, kwargs: dict[str, Any], *, error: str = "") -> PendingJob:
    row = PendingJob(job=job_path(job), kwargs=kwargs, last_error=error)
    if error:
        row.attempts = 1
        row.run_after = timezone.now() + RETRY_AFTER
    else:
        # a runner confirms by deleting the row; one that never does is sent again after this
        row.run_after = timezone.now() + UNCONFIRMED_AFTER
    row.save(using=_db())
    return row


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _run_now(job: Job, kwargs: dict[str, Any]) -> None:
    try:
        job(**kwargs)
    except UNAVAILABLE as exc:
        # a store of derived state is down: the change stands, its work is recorded for later
        logger.warning("sequere: %s failed (%s); recorded for replay.", job_path(job), exc)
        _add(job, kwargs, error=_describe(exc))


def _send(runner: Runner, job: Job, kwargs: dict[str, Any], pending_id: int) -> None:
    try:
        runner.send(job, kwargs, pending_id)
    except Exception as exc:  # noqa: BLE001 - the row stays; replay sends it again
        logger.warning("sequere: could not send %s (%s); it stays pending.", job_path(job), exc)
        _postpone(pending_id, exc)


def _postpone(pending_id: int, exc: BaseException) -> None:
    try:
        row = PendingJob._default_manager.using(_db()).filter(pk=pending_id).first()
        if row is None:
            return
        row.attempts += 1
        row.run_after = timezone.now() + min(RETRY_AFTER * 2 ** (row.attempts - 1), RETRY_CAP)
        row.last_error = _describe(exc)
        row.save(using=_db(), update_fields=["attempts", "run_after", "last_error"])
    except DatabaseError:  # the row keeps its first run_after, and replay still finds it
        logger.exception("sequere: could not record the failure of pending job %s", pending_id)


def spawn(job: Job, **kwargs: Any) -> Any:
    """Run a part of a running job (a chunk of a fan-out): here at once, returning its result, or
    on a worker (returning None).

    A part sent to a worker has a row of its own, written before it is sent and deleted by the
    worker once the part is done. So a part whose message the broker loses after the running job
    has finished is still sent again by :func:`replay`: kombu's Redis transport pops a message
    before it records it as unacknowledged, and a worker killed between the two takes it along
    (celery/kombu#305). A send that fails raises: the running job's row stays, and the whole is
    sent again (its parts are idempotent).
    """
    runner = get_runner()
    if runner.in_process(job):
        return job(**kwargs)
    row = _add(job, kwargs)
    runner.send(job, kwargs, row.pk)
    return None


def done(pending_id: int | None) -> None:
    """A runner's job finished: forget its row (nothing when ``pending_id`` is None)."""
    if pending_id is not None:
        PendingJob._default_manager.using(_db()).filter(pk=pending_id).delete()


def run(pending_id: int) -> bool:
    """Run the job of row ``pending_id`` here and delete the row; False if the row is gone.

    A failure is raised and leaves the row; the caller postpones it (or a worker retries).
    """
    row = PendingJob._default_manager.using(_db()).filter(pk=pending_id).first()
    if row is None:
        return False
    import_string(row.job)(**row.kwargs)
    done(row.pk)
    return True


def due(now: Any = None, limit: int = 1000) -> list[PendingJob]:
    """Rows whose time has come, oldest first."""
    now = now or timezone.now()
    manager = PendingJob._default_manager.using(_db())
    return list(manager.filter(run_after__lte=now).order_by("run_after", "id")[:limit])


def replay(limit: int = 1000, *, now: Any = None) -> dict[str, int]:
    """Send (or run, with the in-process runner) every row due by ``now`` (default: now) once.

    Returns ``{"due": n, "sent": n, "failed": n}``. A row that fails again is postponed with
    backoff; it is never dropped. ``now`` in the future replays rows before their time (after an
    outage is over, say).
    """
    runner = get_runner()
    report = {"due": 0, "sent": 0, "failed": 0}
    for row in due(now, limit=limit):
        report["due"] += 1
        job = import_string(row.job)
        # claim it for a while, so that a replay running beside this one leaves it alone
        claimed = (
            PendingJob._default_manager.using(_db())
            .filter(pk=row.pk, run_after=row.run_after)
            .update(run_after=timezone.now() + UNCONFIRMED_AFTER)
        )
        if not claimed:
            continue
        try:
            runner.send(job, row.kwargs, row.pk)
        except Exception as exc:  # noqa: BLE001 - postponed, reported, never dropped
            logger.warning("sequere: replay of %s failed (%s)", row.job, exc)
            _postpone(row.pk, exc)
            report["failed"] += 1
        else:
            report["sent"] += 1
    return report


def pending_count() -> int:
    """How many rows are waiting (due or not)."""
    return PendingJob._default_manager.using(_db()).count()


class OutboxStore:
    """The outbox as a store of ``manage.py sequere_check``: a due row is a problem, ``--fix``
    replays it (:func:`replay`)."""

    def audit(self, fix: bool = False) -> dict[str, Any]:
        """``{"checked", "problems", "fixed"}``: rows waiting past their time; replayed with ``fix``."""
        checked = pending_count()
        rows = due()
        problems = [f"pending job {row.pk}: {row} (last error: {row.last_error or 'none'})" for row in rows]
        fixed = replay(limit=len(rows))["sent"] if fix and rows else 0
        return {"checked": checked, "problems": problems, "fixed": fixed}
