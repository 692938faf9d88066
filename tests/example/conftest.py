"""Fixtures for the example site: a migrated, seeded SQLite file and the site serving it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from .site import ExampleServer, manage


class SeededDatabase(NamedTuple):
    """A freshly seeded SQLite file and what the first ``seed_demo`` printed."""

    path: Path
    output: str


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> SeededDatabase:
    """A temporary SQLite file with the example site migrated and seeded once."""
    path = tmp_path_factory.mktemp("example") / "db.sqlite3"
    manage(path, "migrate", "--noinput")
    return SeededDatabase(path, manage(path, "seed_demo"))


@pytest.fixture(scope="session")
def example_db(seeded: SeededDatabase) -> Path:
    """A copy of the seeded database for the live site (tests may change it)."""
    path = seeded.path.with_name("live.sqlite3")
    shutil.copyfile(seeded.path, path)
    return path


@pytest.fixture(scope="session")
def example_site(example_db):
    """The example site served by uvicorn on a free port for the whole session."""
    server = ExampleServer(example_db).start()
    yield server
    server.stop()
