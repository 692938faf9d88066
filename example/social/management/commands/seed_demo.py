"""``python manage.py seed_demo``: people, projects, follows, statuses and likes for the demo.

Idempotent: every row is looked up before it is made, so a second run adds nothing (and says so).
Actions go through the same functions as the site, so timelines and feeds fill as they would live.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from sequere.models import follow, is_following

from ...activity import join, like_project, post_status
from ...models import Like, Project, Status

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank"]
#: Extra members who all follow alice, so her follower list spans several pages.
CROWD = [f"member{i:02d}" for i in range(1, 31)]
PROJECTS = [
    ("sequere", "alice", "Follow anything from anything, in SQL or in Redis."),
    ("la-classe-americaine", "bob", "The film made of other films."),
    ("tiny-feed", "carol", "A feed reader that fits on one screen."),
    ("loop-station", "dave", "Record, overdub, repeat."),
]
FOLLOWS = [
    ("demo", "alice"),
    ("demo", "bob"),
    ("alice", "demo"),
    ("bob", "alice"),
    ("carol", "alice"),
    ("carol", "demo"),
    ("dave", "carol"),
    ("erin", "bob"),
]
PROJECT_FOLLOWS = [("demo", "sequere"), ("alice", "tiny-feed"), ("bob", "sequere"), ("erin", "loop-station")]
STATUSES = [
    ("alice", "Shipped the database timeline backend today."),
    ("bob", "Watching La classe americaine for the tenth time."),
    ("carol", "tiny-feed now marks everything as read in one click."),
    ("alice", "Fan-out inline: no broker needed for the demo."),
    ("dave", "New loop recorded, 7/8 this time."),
    ("frank", "Hello, is this thing on?"),
]
LIKES = [("alice", "la-classe-americaine"), ("bob", "sequere"), ("carol", "sequere"), ("dave", "tiny-feed")]


class Command(BaseCommand):
    help = "Create the demo data of the example site (safe to run again: it adds only what is missing)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        created = {"people": 0, "projects": 0, "follows": 0, "statuses": 0, "likes": 0}
        # One hash for every demo account: hashing is slow on purpose, and these are throwaway.
        password = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            people = {}
            for username in [DEMO_USERNAME, *PEOPLE, *CROWD]:
                user, new = User.objects.get_or_create(username=username, defaults={"password": password})
                if new:
                    join(user)
                    created["people"] += 1
                people[username] = user
            projects = {}
            for slug, owner, description in PROJECTS:
                name = slug.replace("-", " ").title()
                project, new = Project.objects.get_or_create(
                    slug=slug, defaults={"name": name, "owner": people[owner], "description": description}
                )
                created["projects"] += new
                projects[slug] = project
            pairs = [(people[a], people[b]) for a, b in FOLLOWS]
            pairs += [(people[a], projects[b]) for a, b in PROJECT_FOLLOWS]
            pairs += [(people[name], people["alice"]) for name in CROWD]
            for follower, followed in pairs:
                if not is_following(follower, followed):
                    follow(follower, followed)
                    created["follows"] += 1
            for username, text in STATUSES:
                if not Status.objects.filter(author=people[username], text=text).exists():
                    post_status(people[username], text)
                    created["statuses"] += 1
            for username, slug in LIKES:
                if not Like.objects.filter(user=people[username], project=projects[slug]).exists():
                    created["likes"] += like_project(people[username], projects[slug])
        if any(created.values()):
            summary = ", ".join(f"{count} {what}" for what, count in created.items())
            self.stdout.write(f"seed_demo: added {summary}.")
        else:
            self.stdout.write("seed_demo: nothing to add, the demo data is already there.")
        self.stdout.write(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
