"""``sequere_check`` reports outbox rows past their time and ``--fix`` replays them."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sequere.contrib.timeline import Timeline, jobs
from sequere.models import follow
from sequere.outbox import PendingJob, job_path, pending_count
from sequere.registration import registry
from tests.testapp.models import User
from tests.testapp.sequere_registry import JoinAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def inline(settings):
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False  # the import is left to the row below


def test_a_due_row_is_a_problem_and_fix_replays_it(inline):
    thoas, newbie = User.objects.create(username="thoas"), User.objects.create(username="newbie")
    saved = Timeline(thoas).save(JoinAction(thoas))
    follow(newbie, thoas)
    owner, source = list(registry.get_ref(newbie)), list(registry.get_ref(thoas))
    row = PendingJob.objects.create(
        job=job_path(jobs.import_actions),
        kwargs={"owner": owner, "source": source},
        run_after=timezone.now() - timedelta(seconds=1),
        attempts=1,
        last_error="BackendUnavailableException: down",
    )
    later = PendingJob.objects.create(
        job=job_path(jobs.import_actions), kwargs={"owner": owner, "source": source}
    )
    later.run_after = timezone.now() + timedelta(hours=1)
    later.save()
    out = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("sequere_check", "--store", "outbox", stdout=out, stderr=StringIO())
    assert f"pending job {row.pk}" in out.getvalue() and "down" in out.getvalue()
    assert [a.id for a in Timeline(newbie).get_private()] == []
    call_command("sequere_check", "--store", "outbox", "--fix", stdout=StringIO(), stderr=StringIO())
    assert [a.id for a in Timeline(newbie).get_private()] == [saved.id]
    assert list(PendingJob.objects.values_list("pk", flat=True)) == [later.pk]  # not due yet
    assert pending_count() == 1
