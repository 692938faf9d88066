"""``seed_demo`` fills the example site once; running it again adds nothing."""

from __future__ import annotations

import shutil
import sqlite3

from .site import manage, row_counts


def test_seed_demo_is_idempotent(seeded, tmp_path):
    db = tmp_path / "again.sqlite3"
    shutil.copyfile(seeded.path, db)
    after_first = row_counts(db)
    second = manage(db, "seed_demo")

    assert "seed_demo: added 37 people, 4 projects, 42 follows, 6 statuses, 4 likes." in seeded.output
    assert "nothing to add" in second
    assert "Demo login: demo / demo" in second
    assert row_counts(db) == after_first
    assert after_first["auth_user"] == 37
    assert after_first["sequere_follow"] == 42
    assert after_first["social_status"] == 6
    assert after_first["social_like"] == 4
    # every action is stored once; 37 joins + 6 posts + 4 likes
    assert after_first["sequere_timeline_action"] == 47
    with sqlite3.connect(db) as conn:
        public, private = conn.execute(
            "SELECT SUM(kind = 1), SUM(kind = 0) FROM sequere_timeline_entry"
        ).fetchone()
        (demo_feed,) = conn.execute(
            "SELECT COUNT(*) FROM sequere_timeline_entry WHERE owner_identifier = 'user' AND kind = 0 "
            "AND owner_object_id = (SELECT CAST(id AS TEXT) FROM auth_user WHERE username = 'demo')"
        ).fetchone()
    assert public == 47  # each action once, in its actor's public timeline
    assert private > public  # plus the copies in followers' feeds
    # demo: its own join; alice's join, 2 posts, 1 like; bob's join, 1 post, 1 like
    assert demo_feed == 8
