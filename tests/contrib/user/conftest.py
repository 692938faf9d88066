"""Fixtures for the follow views: a logged-in auth user and objects to follow."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.testapp.models import Project


@pytest.fixture
def member(db):
    """A user of ``AUTH_USER_MODEL`` (registered by ``sequere.contrib.user``)."""
    return get_user_model().objects.create_user(username="member", password="secret")


@pytest.fixture
def logged_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def project(db):
    return Project.objects.create(name="La classe americaine")
