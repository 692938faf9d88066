"""``seed_demo`` fills the example site once; running it again adds nothing."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone

from .site import manage, row_counts


def test_seed_demo_is_idempotent(seeded, tmp_path):
    db = tmp_path / "again.sqlite3"
    shutil.copyfile(seeded.path, db)
    after_first = row_counts(db)
    second = manage(db, "seed_demo")

    added = "seed_demo: added 38 people, 4 projects, 78 follows, 2 requests, 8 statuses, 4 likes."
    assert added in seeded.output
    assert "nothing to add" in second
    assert "Demo login: demo / demo" in second
    assert row_counts(db) == after_first
    assert after_first["auth_user"] == 38
    assert after_first["sequere_follow"] == 78
    assert after_first["sequere_follow_request"] == 2  # dave and frank asked erin
    assert after_first["social_status"] == 8
    assert after_first["social_like"] == 4
    # every action is stored once; 38 joins + 8 posts + 4 likes
    assert after_first["sequere_timeline_action"] == 50
    with sqlite3.connect(db) as conn:
        public, private = conn.execute(
            "SELECT SUM(kind = 1), SUM(kind = 0) FROM sequere_timeline_entry"
        ).fetchone()
        # micros: seed_demo dates what people did in the past, weeks to minutes back, as a live site has it
        dates = dict(conn.execute("SELECT verb, MIN(date) FROM sequere_timeline_action GROUP BY verb"))
        (newest,) = conn.execute(
            "SELECT MAX(date) FROM sequere_timeline_action WHERE verb = 'like'"
        ).fetchone()
        (joined,) = conn.execute("SELECT date_joined FROM auth_user WHERE username = 'demo'").fetchone()
        (demo_feed,) = conn.execute(
            "SELECT COUNT(*) FROM sequere_timeline_entry WHERE owner_identifier = 'user' AND kind = 0 "
            "AND owner_object_id = (SELECT CAST(id AS TEXT) FROM auth_user WHERE username = 'demo')"
        ).fetchone()
    assert public == 50  # each action once, in its actor's public timeline
    assert private > public  # plus the copies in followers' feeds
    # demo: its own join; alice's join, 2 posts, 1 like; bob's join, 1 post, 1 like
    assert demo_feed == 8
    minute = 60_000_000
    hour, day = 60 * minute, 24 * 60 * minute
    now = newest + 2 * minute  # the newest like: dave liked tiny-feed 2 minutes before the run
    assert now - dates["join"] == 40 * day  # demo, the first member
    assert now - dates["post"] == 3 * day  # alice's first status
    assert now - dates["like"] == 2 * hour  # alice liked la-classe-americaine
    joined_at = datetime.fromisoformat(joined).replace(tzinfo=timezone.utc)
    assert round(joined_at.timestamp() * 1_000_000) == dates["join"]  # a join is dated date_joined


def test_seed_demo_has_one_large_account_pulled_into_feeds(seeded, tmp_path):
    """The newsroom has more followers than the site's SEQUERE_TIMELINE_PUSH_LIMIT: its posts are
    in no follower's stored timeline, and every follower's feed shows them."""
    db = tmp_path / "pulled.sqlite3"
    shutil.copyfile(seeded.path, db)
    with sqlite3.connect(db) as conn:
        (newsroom,) = conn.execute(
            "SELECT CAST(id AS TEXT) FROM auth_user WHERE username = 'newsroom'"
        ).fetchone()
        modes = conn.execute(
            "SELECT actor_identifier, actor_object_id FROM sequere_timeline_pull_mode"
        ).fetchall()
        (pulling,) = conn.execute(
            "SELECT COUNT(*) FROM sequere_timeline_pulled WHERE actor_object_id = ?", (newsroom,)
        ).fetchone()
        (copies,) = conn.execute(
            "SELECT COUNT(*) FROM sequere_timeline_entry e "
            "JOIN sequere_timeline_action a ON a.id = e.action_id WHERE e.kind = 0 AND a.verb = 'post' "
            "AND a.actor_object_id = ? AND e.owner_object_id <> ?",
            (newsroom, newsroom),
        ).fetchone()
    assert modes == [("user", newsroom)]  # the only pulled account: alice's 33 followers are pushed
    assert pulling == 36 and copies == 0
    script = (
        "from django.contrib.auth.models import User; from sequere.contrib.timeline import Timeline\n"
        "for name in ('member07', 'carol'):\n"
        "    feed = Timeline(User.objects.get(username=name)).get_private(desc=True)\n"
        "    print(name, [str(a.target) for a in feed[:2]])\n"
    )
    out = manage(db, "shell", "-c", script)
    for name in ("member07", "carol"):
        assert f"{name} ['Newsroom: the demo seeds one.', 'Newsroom: sequere now pulls large accounts" in out
