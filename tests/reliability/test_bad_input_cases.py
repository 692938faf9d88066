"""Named bad inputs: each gets a clear SequereException (or a 400 from the views) and stores nothing.

NUL bytes (PostgreSQL refuses them in text), an identifier that cannot be one, a non-instance
where an instance goes, action data nested too deep for JSON, a ``date=`` that is not a datetime,
and slice offsets past what a store can address.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sequere.base import ModelBase
from sequere.exceptions import (
    InvalidIdentifierException,
    InvalidInstanceException,
    SequereException,
)
from sequere.models import follow, get_followers, get_followings_count, is_following, unfollow
from sequere.registration import registry
from tests.testapp.models import Project, Tag, Unregistered, User

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("follow_backend")
def test_a_nul_byte_in_a_pk_is_refused_before_anything_is_stored():
    fan = User.objects.create(username="fan")
    tag = Tag.from_db("default", ["slug"], ["a\x00b"])  # as a row with such a pk would load
    for call in (follow, unfollow, is_following):
        with pytest.raises(InvalidInstanceException, match=r"'a\\x00b' .*NUL character"):
            call(fan, tag)
    assert get_followings_count(fan) == 0


@pytest.mark.parametrize(
    ("identifier", "why"),
    [
        ("a\x00b", "NUL"),
        ("", "non-empty"),
        ("x" * 101, "at most 100"),
        (42, "string"),
    ],
)
def test_an_invalid_identifier_is_its_own_error(identifier, why):
    class Options(ModelBase):
        pass

    Options.identifier = identifier
    with pytest.raises(InvalidIdentifierException, match=why) as info:
        registry.register(Unregistered, Options)
    assert "identifier" in str(info.value) and "ModelBase" in str(info.value)
    assert not registry.is_registered(Unregistered)


@pytest.mark.parametrize("bad", [None, 42, "thoas", object(), [1]])
def test_a_non_instance_is_named_as_such(bad):
    user = User.objects.create(username="real")
    with pytest.raises(InvalidInstanceException, match="needs a saved model instance") as info:
        follow(user, bad)
    assert "register(" not in str(info.value)
    assert type(bad).__name__ in str(info.value)


@pytest.mark.parametrize("offset", [2**63, 2**64 + 5, 10**30])
@pytest.mark.usefixtures("follow_backend")
def test_slices_past_any_store_are_empty_not_errors(offset):
    project = Project.objects.create(name="p")
    follow(User.objects.create(username="fan"), project)
    followers = get_followers(project)
    assert followers[offset:] == []
    assert followers[offset : offset + 10] == []
    assert len(followers[0:offset]) == 1
    with pytest.raises(IndexError):
        followers[offset]


def test_the_follow_view_answers_400_to_a_nul_byte_for_a_string_pk():
    user = get_user_model().objects.create_user(username="member", password="pw")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("sequere_follow"), {"identifier": "tag", "object_id": "a\x00b"})
    assert response.status_code == 400
    assert "object_id" in response.content.decode()


def test_the_follow_view_changes_nothing_when_the_host_is_refused(settings):
    """Finding the redirect reads the Host header: a refused host must answer before any write."""
    settings.ALLOWED_HOSTS = ["good.example"]
    user = get_user_model().objects.create_user(username="member", password="pw")
    project = Project.objects.create(name="p")
    client = Client(HTTP_HOST="evil.example")
    client.force_login(user)
    data = {"identifier": "project", "object_id": str(project.pk), "next": "/x/"}
    response = client.post(reverse("sequere_follow"), data)
    assert response.status_code == 400
    assert not is_following(user, project)


class TestActions:
    @pytest.fixture(autouse=True)
    def _store(self, settings):
        settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
        settings.SEQUERE_TIMELINE_FANOUT = "inline"

    @pytest.mark.parametrize("date", ["2026-01-01T00:00:00", 1767225600, 1.5, object()])
    def test_a_date_that_is_not_a_datetime_is_refused(self, date):
        from sequere.contrib.timeline.exceptions import InvalidActionException
        from tests.testapp.sequere_registry import JoinAction

        actor = User.objects.create(username="actor")
        with pytest.raises(InvalidActionException, match=r"\(date=...\) takes a datetime"):
            JoinAction(actor, date=date)

    def test_data_nested_too_deep_is_refused_before_anything_is_stored(self):
        from sequere.contrib.timeline import Timeline
        from sequere.contrib.timeline.exceptions import InvalidActionException
        from tests.testapp.sequere_registry import LikeAction

        actor = User.objects.create(username="actor")
        deep: list = []
        for _ in range(100_000):
            deep = [deep]
        with pytest.raises(InvalidActionException, match="nested") as info:
            Timeline(actor).save(LikeAction(actor, payload=deep))
        assert isinstance(info.value, SequereException)
        assert Timeline(actor).get_public_count() == 0

    def test_timeline_slices_past_any_store_are_empty(self):
        from sequere.contrib.timeline import Timeline
        from tests.testapp.sequere_registry import JoinAction

        actor = User.objects.create(username="actor")
        Timeline(actor).save(JoinAction(actor))
        assert Timeline(actor).get_private()[2**63 :] == []
        assert len(Timeline(actor).get_private()[: 2**64]) == 1
