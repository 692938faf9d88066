"""Fixtures of the reliability suite: a shared set of resources of every primary-key type."""

from __future__ import annotations

import pytest

from tests.testapp.models import Project, Tag, Team, User

#: Tag slugs (string primary keys) made of the characters that matter to Redis keys.
AWKWARD_SLUGS = ["a:b", "{a}", "a b", "a\nb", "{", "}:", "é:ü", "::", " ", "tag"]


def make_resources(users: int = 20, projects: int = 10, teams: int = 10) -> list:
    """Users (int pk), projects (int pk), teams (UUID pk) and tags (awkward string pks)."""
    made: list = list(User.objects.bulk_create([User(username=f"load-{i}") for i in range(users)]))
    made += Project.objects.bulk_create([Project(name=f"project-{i}") for i in range(projects)])
    made += Team.objects.bulk_create([Team(name=f"team-{i}") for i in range(teams)])
    made += Tag.objects.bulk_create([Tag(slug=slug) for slug in AWKWARD_SLUGS])
    return made


@pytest.fixture
def resources(transactional_db) -> list:
    """50 committed resources of four models (visible to other threads and processes)."""
    made = make_resources()
    assert len(made) == 50
    return made
