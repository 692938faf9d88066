"""Code written for the original django-sequere runs unchanged.

The scenarios below are what a project's own tests did with the original package: its settings
names, ``sequere.registry``, ``.all()`` on lazy lists, ``Follow.from_instance``/``to_instance``, the
follow views' JSON, ``Action(actor)``, ``mark_as_read(timestamp=...)`` with a naive datetime, and a
timeline fan-out that is visible at once with eager Celery. They run in a Django ``TestCase`` (one
transaction that never commits) and a ``TransactionTestCase``, on every pair of follow and timeline
backends.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from sequere.conf import ALIASES, PREFIX, RemovedInSequere2Warning
from sequere.registry import registry
from tests.celery_app import app as celery_app  # noqa: F401  (the project's eager Celery app, as a project loads it)
from tests.testapp.models import Project, User

FOLLOW_BACKENDS = {
    "database": "sequere.backends.database.DatabaseBackend",
    "redis": "sequere.backends.redis.RedisBackend",
}
TIMELINE_BACKENDS = {
    "redis": "sequere.contrib.timeline.backends.redis.RedisBackend",
    "database": "sequere.contrib.timeline.backends.database.DatabaseBackend",
}


class OriginalScenarios:
    """The original package's own test scenarios, in its settings names and calls."""

    follow_backend = ""
    timeline_backend = ""

    @pytest.fixture(autouse=True)
    def _services(self, request, settings):
        """Set the original settings names only, pointed at this class's backends."""
        # the suite's settings spell the new names, which would win over the original ones
        for name in ALIASES.values():
            if hasattr(settings, PREFIX + name):
                delattr(settings, PREFIX + name)
        settings.SEQUERE_BACKEND = FOLLOW_BACKENDS[self.follow_backend]
        settings.SEQUERE_TIMELINE_BACKEND = TIMELINE_BACKENDS[self.timeline_backend]
        settings.SEQUERE_TIMELINE_IMPORT_ACTIONS_ON_FOLLOW = True
        settings.SEQUERE_TIMELINE_REMOVE_ACTIONS_ON_UNFOLLOW = True
        uses_redis = "redis" in (self.follow_backend, self.timeline_backend)
        prefix = f"sequere-compat-{uuid.uuid4().hex[:10]}:"
        if uses_redis:
            url = request.getfixturevalue("redis_url")
            settings.SEQUERE_REDIS_CONNECTION = settings.SEQUERE_TIMELINE_REDIS_CONNECTION = url
            settings.SEQUERE_REDIS_PREFIX = prefix
            settings.SEQUERE_TIMELINE_REDIS_PREFIX = prefix + "timeline"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RemovedInSequere2Warning)
            yield
        if uses_redis:
            import redis

            client = redis.Redis.from_url(url)
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(key)
            client.close()

    def setUp(self):
        self.user = get_user_model().objects.create_user(username="thoas", password="$ecret")
        self.project = Project.objects.create(name="My super project")
        self.thoas = User.objects.create(username="thoas")
        self.newbie = User.objects.create(username="newbie")

    # follows

    def test_follow_and_counts(self):
        from sequere.models import follow, get_followers_count, get_followings_count

        follow(self.user, self.project)
        self.assertEqual(get_followings_count(self.user), 1)
        self.assertEqual(get_followings_count(self.user, registry.get_identifier(self.project)), 1)
        self.assertEqual(get_followers_count(self.project), 1)
        self.assertEqual(get_followers_count(self.project, registry.get_identifier(self.user)), 1)

    def test_unfollow(self):
        from sequere.models import follow, get_followers_count, get_followings_count, unfollow

        follow(self.user, self.project)
        unfollow(self.user, self.project)
        self.assertEqual(get_followings_count(self.user), 0)
        self.assertEqual(get_followers_count(self.project, registry.get_identifier(self.user)), 0)

    def test_friends(self):
        from sequere.models import follow, get_friends_count, unfollow

        follow(self.thoas, self.project)
        self.assertEqual(get_friends_count(self.thoas), 0)
        follow(self.project, self.thoas)
        self.assertEqual(get_friends_count(self.thoas), 1)
        self.assertEqual(get_friends_count(self.thoas, registry.get_identifier(self.project)), 1)
        self.assertEqual(get_friends_count(self.thoas, registry.get_identifier(self.thoas)), 0)
        self.assertEqual(get_friends_count(self.project), 1)
        unfollow(self.thoas, self.project)
        self.assertEqual(get_friends_count(self.project), 0)

    def test_is_following(self):
        from sequere.models import follow, is_following, unfollow

        follow(self.user, self.project)
        self.assertTrue(is_following(self.user, self.project))
        unfollow(self.user, self.project)
        self.assertFalse(is_following(self.user, self.project))

    def test_get_followers_and_followings_all(self):
        from sequere.models import follow, get_followers, get_followings

        follow(self.user, self.project)
        followers = get_followers(self.project)
        self.assertEqual(followers.count(), 1)
        self.assertIn(self.user, dict(followers.all()))
        followings = get_followings(self.user)
        self.assertEqual(followings.count(), 1)
        self.assertIn(self.project, dict(followings.all()))
        self.assertIsInstance(followings.all(), list)

    def test_follow_view(self):
        self.client.login(username="thoas", password="$ecret")
        self.assertEqual(self.client.post(reverse("sequere_follow")).status_code, 400)
        bad = {"identifier": "not-an-identifier", "object_id": 1}
        self.assertEqual(self.client.post(reverse("sequere_follow"), data=bad).status_code, 400)
        identifier = registry.get_identifier(self.project)
        data = {"identifier": identifier, "object_id": self.project.pk}
        response = self.client.post(reverse("sequere_follow"), data=data)
        self.assertEqual(response.status_code, 200)
        content = response.json()
        self.assertEqual(content["followings_count"], 1)
        self.assertEqual(content[f"{identifier}_followings_count"], 1)
        self.assertEqual(content["followers_count"], 1)

    def test_unfollow_view(self):
        from sequere.models import follow

        self.client.login(username="thoas", password="$ecret")
        follow(self.user, self.project)
        identifier = registry.get_identifier(self.project)
        data = {"identifier": identifier, "object_id": self.project.pk}
        response = self.client.post(reverse("sequere_unfollow"), data=data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["followings_count"], 0)
        self.assertEqual(response.json()[f"{identifier}_followings_count"], 0)

    # timeline

    def test_simple_timeline(self):
        from sequere.contrib.timeline import Timeline
        from tests.testapp.sequere_registry import JoinAction

        timeline = Timeline(self.thoas)
        timeline.save(JoinAction(self.thoas))
        self.assertEqual(timeline.get_private_count(), 1)
        self.assertEqual(timeline.get_public_count(), 1)
        self.assertEqual(timeline.get_public_count(action="join"), 1)
        self.assertEqual(timeline.get_private_count(action=JoinAction), 1)
        self.assertEqual(len(timeline.get_private().all()), 1)
        self.assertEqual(len(timeline.get_public().all()), 1)

    def test_read_at(self):
        from sequere.contrib.timeline import Timeline

        timeline = Timeline(self.thoas)
        timeline.mark_as_read()
        self.assertIsNotNone(timeline.read_at)

    def test_dispatch_action(self):
        from sequere.contrib.timeline import Timeline
        from sequere.models import follow, unfollow
        from tests.testapp.sequere_registry import JoinAction, LikeAction

        follow(self.newbie, self.thoas)
        Timeline(self.thoas).save(JoinAction(self.thoas))
        timeline = Timeline(self.newbie)
        self.assertEqual(timeline.get_private_count(), 1)
        self.assertEqual(timeline.get_public_count(), 0)
        unfollow(self.newbie, self.thoas)
        timeline = Timeline(self.thoas)
        timeline.save(LikeAction(actor=self.thoas, target=self.project))
        self.assertEqual(timeline.get_private_count(), 2)
        self.assertEqual(timeline.get_private_count(target=Project), 1)
        timeline = Timeline(self.newbie)
        self.assertEqual(timeline.get_private_count(), 0)
        self.assertEqual(timeline.get_unread_count(), 0)
        timeline.mark_as_read(timestamp=datetime.now() + timedelta(days=1))  # naive, as then
        self.assertEqual(timeline.get_unread_count(), 0)

    def test_import_on_follow_and_removal_on_unfollow(self):
        from sequere.contrib.timeline import Timeline
        from sequere.models import follow, unfollow
        from tests.testapp.sequere_registry import JoinAction

        Timeline(self.thoas).save(JoinAction(self.thoas))
        follow(self.newbie, self.thoas)
        timeline = Timeline(self.newbie)
        self.assertEqual(timeline.get_private_count(), 1)
        self.assertEqual(timeline.get_unread_count(), 1)
        unfollow(self.newbie, self.thoas)
        self.assertEqual(timeline.get_private_count(), 0)
        self.assertEqual(timeline.get_unread_count(), 0)

    def test_get_actions(self):
        from sequere.contrib.timeline import get_actions
        from tests.testapp.sequere_registry import CommentAction, JoinAction, LikeAction

        self.assertEqual(
            dict(get_actions()), {"join": JoinAction, "like": LikeAction, "comment": CommentAction}
        )


def _cases():
    """One TestCase and one TransactionTestCase class per (follow, timeline) backend pair."""
    made = {}
    for follow_name in FOLLOW_BACKENDS:
        for timeline_name in TIMELINE_BACKENDS:
            for base in (TestCase, TransactionTestCase):
                name = f"Test{base.__name__}_{follow_name.title()}Follows_{timeline_name.title()}Timeline"
                attrs = {"follow_backend": follow_name, "timeline_backend": timeline_name}
                marks = [pytest.mark.redis] if "redis" in (follow_name, timeline_name) else []
                cls = type(name, (OriginalScenarios, base), attrs)
                for mark in marks:
                    cls = mark(cls)
                made[name] = cls
    return made


globals().update(_cases())


class TestDatabaseFollowRows(TestCase):
    """``Follow`` rows of the database backend, as the original exposed them."""

    def test_from_instance_and_to_instance(self):
        from sequere.backends.database.models import Follow
        from sequere.models import follow

        user, project = User.objects.create(username="thoas"), Project.objects.create(name="p")
        follow(user, project)
        row = Follow.objects.all()[0]
        self.assertEqual(row.to_instance, project)
        self.assertEqual(row.from_instance, user)
        with self.assertNumQueries(0):  # cached on the row
            self.assertEqual(row.to_instance, project)
        self.assertEqual(list(Follow.objects.from_instance(user)), [row])
        self.assertEqual(list(Follow.objects.to_instance(project)), [row])
        self.assertEqual(list(Follow.objects.from_instance(project)), [])
        self.assertEqual(list(Follow.objects.filter(pk=row.pk).to_instance(project)), [row])
