"""The ``Block`` and ``Mute`` admin: lists without N+1, deletes that unblock and unmute."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sequere.backends.database.models import Block, Mute
from sequere.models import block, follow, is_blocked, is_muted, mute
from tests.testapp.models import Project, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "secret")
    client.force_login(admin)
    return client


def changelist(admin_client, name, n):
    users = User.objects.bulk_create([User(username=f"{name}{n}-{i}") for i in range(n)])
    project = Project.objects.create(name="p")
    for user in users:
        (block if name == "block" else mute)(user, project)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(reverse(f"admin:sequere_database_{name}_changelist"))
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["block", "mute"])
def test_changelist_lists_both_sides_without_n_plus_one(admin_client, name):
    response, few = changelist(admin_client, name, 2)
    assert f"{name}2-0" in response.content.decode()
    _, many = changelist(admin_client, name, 20)
    assert many == few


def test_deleting_rows_unblocks_and_unmutes(admin_client):
    alice, bob = User.objects.create(username="alice"), User.objects.create(username="bob")
    follow(alice, bob)
    block(alice, bob)
    mute(bob, alice)
    for model, name in ((Block, "block"), (Mute, "mute")):
        row = model.objects.get()
        url = reverse(f"admin:sequere_database_{name}_delete", args=[row.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not is_blocked(alice, bob) and not is_muted(bob, alice)
    follow(alice, bob)
