"""Fixtures of the REST API tests: API clients, users of ``AUTH_USER_MODEL``, timeline stores."""

from __future__ import annotations

import pytest

pytest.importorskip("rest_framework", reason="the REST API needs the `rest` extra")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402

# the timeline stores, parametrized as in the timeline suite
from tests.contrib.timeline.conftest import timeline, timeline_harness  # noqa: E402, F401
from tests.testapp.models import Project  # noqa: E402

API = "/api/sequere/"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user(username="member", password="secret")


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user(username="stranger", password="secret")


@pytest.fixture
def anonymous():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_of(db):
    """``client_of(user)``: an API client logged in as ``user`` (session authentication)."""
    from rest_framework.test import APIClient

    def make(user, **kwargs):
        client = APIClient(**kwargs)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api(client_of, member):
    return client_of(member)


@pytest.fixture
def project(db):
    return Project.objects.create(name="La classe americaine")


def url(*parts) -> str:
    return API + "".join(f"{part}/" for part in parts)
