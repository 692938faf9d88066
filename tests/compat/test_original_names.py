"""The original django-sequere's module paths, settings names and call signatures, one by one."""

from __future__ import annotations

import importlib
import sys
import warnings
import zoneinfo
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.test import override_settings
from django.urls import include, path, reverse
from django.utils import timezone

import sequere
from sequere.base import ModelBase
from sequere.conf import RemovedInSequere2Warning, sequere_settings
from sequere.exceptions import NotRegisteredException
from sequere.models import follow, get_followers, get_followings, is_following
from sequere.registration import Registry
from tests.testapp.models import Project, Tag, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = pytest.mark.django_db


def test_sequere_registry_module_holds_the_registry():
    module = importlib.import_module("sequere.registry")
    assert isinstance(module.registry, Registry)
    assert module.registry is sequere.registration.registry
    assert module.register == module.registry.register
    assert callable(module.autodiscover)
    from sequere.registry import registry

    assert registry.get_identifier(Project) == "project"


def test_sequere_registry_answers_like_the_object_once_the_module_is_imported():
    """Importing the module rebinds ``sequere.registry``; the seed's call form still works."""
    import sequere.registry  # noqa: F401

    assert sys.modules["sequere.registry"] is sequere.registry
    assert sequere.registry.get_identifier(Tag) == "tag"
    assert sequere.registry.is_registered(Tag)

    from tests.testapp.models import Unregistered

    class UnregisteredSequere(ModelBase):
        identifier = "unregistered"

    try:
        options = sequere.registry(Unregistered, UnregisteredSequere)  # as the seed README writes it
        assert options.identifier == "unregistered"
        assert sequere.registry.identifiers["unregistered"] is Unregistered
        assert sequere.registry.for_model(Unregistered) is options
    finally:
        sequere.registry.unregister(Unregistered)
    assert sequere.registry.for_model(Unregistered) is None
    with pytest.raises(AttributeError):
        sequere.registry.no_such_name  # noqa: B018


def test_registry_identifiers_map_to_models():
    from sequere.registry import registry

    identifiers = registry.identifiers
    assert identifiers["project"] is Project and identifiers["user"] is User
    assert identifiers["auth_user"] is get_user_model()


def test_sequere_urls_can_be_included():
    module = importlib.import_module("sequere.urls")
    assert module.urlpatterns == []
    resolver = include("sequere.urls")
    assert resolver[0] is module


urlpatterns = [
    path("", include("sequere.urls")),
    path("", include("sequere.contrib.user.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_original_url_layout_reverses():
    assert reverse("sequere_follow") == "/follow/"
    assert reverse("sequere_unfollow") == "/unfollow/"


@pytest.mark.redis
def test_the_redis_backend_package_can_be_an_installed_app():
    """The original's settings listed ``sequere.backends.redis`` in ``INSTALLED_APPS``."""
    with override_settings(INSTALLED_APPS=[*django_settings.INSTALLED_APPS, "sequere.backends.redis"]):
        assert apps.is_installed("sequere.backends.redis")


# settings


ALIASED = [
    ("BACKEND", "BACKEND_CLASS", "sequere.backends.redis.RedisBackend"),
    (
        "TIMELINE_BACKEND",
        "TIMELINE_BACKEND_CLASS",
        "sequere.contrib.timeline.backends.database.DatabaseBackend",
    ),
    ("TIMELINE_IMPORT_ACTIONS_ON_FOLLOW", "TIMELINE_IMPORT_ON_FOLLOW", True),
    ("TIMELINE_REMOVE_ACTIONS_ON_UNFOLLOW", "TIMELINE_REMOVE_ON_UNFOLLOW", True),
]


@pytest.mark.parametrize(("old", "new", "value"), ALIASED, ids=[a[0] for a in ALIASED])
def test_an_original_setting_name_is_read_with_a_warning_naming_the_new_one(settings, old, new, value):
    if hasattr(settings, "SEQUERE_" + new):
        delattr(settings, "SEQUERE_" + new)
    setattr(settings, "SEQUERE_" + old, value)
    with pytest.warns(RemovedInSequere2Warning, match=f"SEQUERE_{old} .*rename it to SEQUERE_{new}"):
        assert getattr(sequere_settings, new) == value or new.endswith("_CLASS")
    if new.endswith("_CLASS"):
        assert getattr(sequere_settings, new).__name__ == value.rsplit(".", 1)[1]
    assert [m for m in checks.run_checks() if m.id == "sequere.E010"] == []


@pytest.mark.parametrize(("old", "new", "value"), ALIASED, ids=[a[0] for a in ALIASED])
def test_the_new_name_wins_and_both_set_differently_is_a_check_error(settings, old, new, value):
    setattr(settings, "SEQUERE_" + new, value)
    setattr(settings, "SEQUERE_" + old, value)
    assert [m for m in checks.run_checks() if m.id == "sequere.E010"] == []
    other = "sequere.backends.database.DatabaseBackend" if isinstance(value, str) else False
    setattr(settings, "SEQUERE_" + old, other)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name is read, so no warning
        assert sequere_settings.raw(new) == value
    errors = [m for m in checks.run_checks() if m.id == "sequere.E010"]
    assert len(errors) == 1
    assert f"SEQUERE_{old} and SEQUERE_{new}" in errors[0].msg
    assert f"Delete SEQUERE_{old}" in errors[0].hint


def test_the_original_backend_setting_chooses_the_backend(settings):
    del settings.SEQUERE_BACKEND_CLASS
    settings.SEQUERE_BACKEND = "sequere.backends.database.DatabaseBackend"
    with pytest.warns(RemovedInSequere2Warning):
        from sequere.backends import get_backend

        assert type(get_backend()).__name__ == "DatabaseBackend"


# calls


def test_lazy_lists_answer_all(db):
    thoas, project = User.objects.create(username="thoas"), Project.objects.create(name="p")
    follow(thoas, project)
    followers = get_followers(project)
    assert followers.all() == [(thoas, followers[0][1])]
    assert isinstance(followers.all(), list)
    assert get_followings(project).all() == []
    assert [instance for instance, _ in get_followings(thoas).all()] == [project]


@pytest.fixture
def inline_timeline(settings, transactional_db):
    settings.SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
    settings.SEQUERE_TIMELINE_FANOUT = "inline"
    settings.SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
    settings.SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = True


def test_action_takes_the_actor_positionally_and_answers_uid(inline_timeline):
    from sequere.contrib.timeline import Timeline

    thoas = User.objects.create(username="thoas")
    action = JoinAction(thoas)
    assert action.actor is thoas and action.target is None and action.uid is None
    Timeline(thoas).save(action)
    assert action.uid == action.id and action.uid is not None
    like = LikeAction(thoas, Project.objects.create(name="p"), timezone.now(), rating=5)
    assert like.rating == 5 and like.target.name == "p"


def test_mark_as_read_takes_timestamp_at_or_a_positional_datetime(inline_timeline):
    from sequere.contrib.timeline import Timeline

    timeline = Timeline(User.objects.create(username="thoas"))
    moment = timezone.now() - timedelta(hours=1)
    assert timeline.mark_as_read(timestamp=moment) == moment
    assert timeline.read_at == moment
    later = moment + timedelta(minutes=5)
    assert timeline.mark_as_read(at=later) == later and timeline.read_at == later
    assert timeline.mark_as_read(moment) == moment and timeline.read_at == moment
    before = timezone.now()
    assert timeline.mark_as_read() >= before


@pytest.mark.parametrize("bad", ["2026-01-01", 1700000000, 1.5, datetime.now().date()])
def test_mark_as_read_refuses_anything_but_a_datetime(inline_timeline, bad):
    from sequere.contrib.timeline import Timeline

    timeline = Timeline(User.objects.create(username="thoas"))
    with pytest.raises(TypeError, match=r"mark_as_read\(\) takes a datetime.datetime"):
        timeline.mark_as_read(timestamp=bad)
    assert timeline.read_at is None


def test_mark_as_read_refuses_both_names(inline_timeline):
    from sequere.contrib.timeline import Timeline

    now = timezone.now()
    with pytest.raises(TypeError, match="timestamp= or at=, not both"):
        Timeline(User.objects.create(username="thoas")).mark_as_read(timestamp=now, at=now)


@override_settings(TIME_ZONE="Europe/Paris")
def test_a_naive_timestamp_is_read_in_the_current_time_zone(inline_timeline):
    from sequere.contrib.timeline import Timeline

    timeline = Timeline(User.objects.create(username="thoas"))
    naive = datetime(2026, 7, 1, 12, 0, 0)  # noon in Paris in summer is 10:00 UTC
    read = timeline.mark_as_read(timestamp=naive)
    expected = datetime(2026, 7, 1, 12, 0, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert read == expected
    assert timeline.read_at == datetime(2026, 7, 1, 10, 0, 0, tzinfo=dt_timezone.utc)
    with timezone.override("Asia/Tokyo"):  # "current" is the active time zone, as in Django
        assert timeline.mark_as_read(naive) == datetime(2026, 7, 1, 3, 0, 0, tzinfo=dt_timezone.utc)


def test_unread_count_takes_the_count_filters(inline_timeline):
    from sequere.contrib.timeline import Timeline

    thoas, newbie = User.objects.create(username="thoas"), User.objects.create(username="newbie")
    project = Project.objects.create(name="p")
    follow(newbie, thoas)
    Timeline(thoas).save(JoinAction(thoas))
    Timeline(thoas).save(LikeAction(thoas, project))
    Timeline(thoas).save(LikeAction(thoas, thoas))
    timeline = Timeline(newbie)
    assert timeline.get_unread_count() == 3
    assert timeline.get_unread_count(action="like") == 2
    assert timeline.get_unread_count(action=JoinAction) == 1
    assert timeline.get_unread_count(target=Project) == 1
    assert timeline.get_unread_count(action=LikeAction, target="user") == 1
    assert is_following(newbie, thoas)


def test_not_registered_names_a_registered_model_of_the_same_name():
    """``manage.py shell`` on Django 5.2 auto-imports auth's User over the project's own."""
    from sequere.registration import registry

    auth_user = get_user_model()
    registry.unregister(auth_user)
    try:
        with pytest.raises(NotRegisteredException) as caught:
            registry.get_ref(auth_user(pk=1, username="x"))
        message = str(caught.value)
        assert "auth.User is not registered with sequere, but another model named User is" in message
        assert "testapp.User" in message
    finally:
        from sequere.contrib.user.apps import register_user_model

        register_user_model()
    with pytest.raises(NotRegisteredException, match="is not registered with sequere. Add"):
        from tests.testapp.models import Unregistered

        registry.get(Unregistered)
