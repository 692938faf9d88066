"""The timeline backends' audit (``sequere_check``): every backend of ``TIMELINE_BACKENDS``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sequere.contrib.timeline.backends import PRIVATE, PUBLIC, get_timeline_backend
from tests.contrib.timeline.test_timeline_contract import ALICE, BOB, PROJECT, rec, stored


def test_a_clean_store_has_no_problems(timeline_backend):
    records = stored(timeline_backend, rec(at=1), rec(at=2, target=PROJECT))
    timeline_backend.deliver(records, [BOB])
    report = timeline_backend.audit()
    assert report["problems"] == [] and report["fixed"] == 0
    assert report["checked"] >= 6  # ALICE's private and public timelines, BOB's private one


def test_entries_whose_action_is_gone_are_found_and_removed(timeline_harness, timeline_backend):
    gone, kept = stored(timeline_backend, rec(at=1), rec(at=2))
    timeline_backend.deliver([gone, kept], [BOB])
    timeline_harness.drop_action(gone.id)
    assert timeline_backend.count(BOB, PRIVATE) == 2  # readers skip it, the entry is still there
    report = timeline_backend.audit()
    assert report["fixed"] == 0 and report["problems"], report
    assert all(
        "whose action is gone" in p or "point at an action that is gone" in p for p in report["problems"]
    )
    assert timeline_backend.count(BOB, PRIVATE) == 2  # an audit alone changes nothing
    fixed = timeline_backend.audit(fix=True)
    assert fixed["fixed"] == len(fixed["problems"]) > 0
    for owner, kind in ((BOB, PRIVATE), (ALICE, PRIVATE), (ALICE, PUBLIC)):
        assert timeline_backend.count(owner, kind) == 1
        assert timeline_backend.fetch(owner, kind) == [kept]
    assert timeline_backend.audit()["problems"] == []


def test_timelines_over_a_lowered_length_are_found_and_trimmed(timeline_harness, settings):
    backend = get_timeline_backend()
    records = stored(backend, *(rec(at=i, target=PROJECT) for i in range(5)))
    settings.SEQUERE_TIMELINE_MAX_LENGTH = 3
    backend = get_timeline_backend()
    report = backend.audit()
    assert report["problems"] and all(
        "more than SEQUERE_TIMELINE_MAX_LENGTH = 3" in p for p in report["problems"]
    )
    fixed = backend.audit(fix=True)
    assert fixed["fixed"] == len(fixed["problems"])
    for kind in (PRIVATE, PUBLIC):
        assert backend.fetch(ALICE, kind) == records[2:]
        assert backend.fetch(ALICE, kind, verb="like", target="project") == records[2:]
    assert backend.audit()["problems"] == []


@pytest.mark.django_db
def test_sequere_check_audits_the_timeline_store(timeline_harness, timeline_backend, settings):
    settings.SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"
    gone, kept = stored(timeline_backend, rec(at=1), rec(at=2))
    timeline_harness.drop_action(gone.id)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Run again with --fix") as failure:
        call_command("sequere_check", stdout=out, stderr=err)
    assert failure.value.returncode == 1
    assert "problem:" in out.getvalue() and "gone" in out.getvalue()
    assert "timeline entries" in str(failure.value)
    call_command("sequere_check", "--store", "timeline", "--fix", stdout=out, stderr=err)
    out = StringIO()
    call_command("sequere_check", stdout=out, stderr=err)
    assert "0 problem(s) found." in out.getvalue()


def test_sequere_check_refuses_an_unknown_store(db):
    with pytest.raises(CommandError, match="No store named nope; the stores are follow, outbox, timeline"):
        call_command("sequere_check", "--store", "nope", stdout=StringIO(), stderr=StringIO())
