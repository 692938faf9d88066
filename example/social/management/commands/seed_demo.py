"""``python manage.py seed_demo``: people, projects, follows, statuses and likes for the demo.

Idempotent: every row is looked up before it is made, so a second run adds nothing (and says so).
Actions go through the same functions as the site, so timelines and feeds fill as they would live.
Accounts, projects, statuses and likes are dated in the past (the ages below, counted back from the
first run), so the demo reads as a site in use: "joined 1 month ago", "posted 4 minutes ago".
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from sequere.models import follow, has_requested, is_following

from ...activity import join, like_project, post_status
from ...models import Like, Project, Status

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
#: Who joined, and how long before the first run.
PEOPLE = [
    ("alice", 38 * DAY),
    ("bob", 33 * DAY),
    ("carol", 26 * DAY),
    ("dave", 19 * DAY),
    ("erin", 12 * DAY),
    ("frank", 6 * DAY),
]
DEMO_JOINED = 40 * DAY
#: Extra members who all follow alice, so her follower list spans several pages (joined every 3 hours).
CROWD = [(f"member{i:02d}", 5 * DAY - 3 * i * HOUR) for i in range(1, 31)]
#: One large account, followed by everyone but demo: more followers than the site's
#: SEQUERE_TIMELINE_PUSH_LIMIT, so its posts are pulled into its followers' feeds when read, not
#: written to each (hybrid fan-out).
NEWSROOM = ("newsroom", 39 * DAY)
#: The newsroom's posts, saved once its followers are in (so after it switched to pull, which
#: dates them now: an action dated before the switch is pushed).
NEWS = ["Newsroom: sequere now pulls large accounts at read time.", "Newsroom: the demo seeds one."]
PROJECTS = [
    ("sequere", "alice", "Follow anything from anything, in SQL or in Redis.", 37 * DAY),
    ("la-classe-americaine", "bob", "The film made of other films.", 32 * DAY),
    ("tiny-feed", "carol", "A feed reader that fits on one screen.", 25 * DAY),
    ("loop-station", "dave", "Record, overdub, repeat.", 18 * DAY),
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
#: Pending follow requests to erin, a private account (see sequere_registry.PRIVATE_ACCOUNTS):
#: log in as erin to approve or deny them on the requests page.
REQUESTS = [("dave", "erin"), ("frank", "erin")]
PROJECT_FOLLOWS = [("demo", "sequere"), ("alice", "tiny-feed"), ("bob", "sequere"), ("erin", "loop-station")]
STATUSES = [
    ("alice", "Shipped the database timeline backend today.", 3 * DAY),
    ("bob", "Watching La classe americaine for the tenth time.", 2 * DAY),
    ("carol", "tiny-feed now marks everything as read in one click.", 26 * HOUR),
    ("alice", "Fan-out inline: no broker needed for the demo.", 5 * HOUR),
    ("dave", "New loop recorded, 7/8 this time.", 47 * MINUTE),
    ("frank", "Hello, is this thing on?", 4 * MINUTE),
]
LIKES = [
    ("alice", "la-classe-americaine", 2 * HOUR),
    ("bob", "sequere", 70 * MINUTE),
    ("carol", "sequere", 25 * MINUTE),
    ("dave", "tiny-feed", 2 * MINUTE),
]


class Command(BaseCommand):
    help = "Create the demo data of the example site (safe to run again: it adds only what is missing)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        created = {"people": 0, "projects": 0, "follows": 0, "requests": 0, "statuses": 0, "likes": 0}
        # One hash for every demo account: hashing is slow on purpose, and these are throwaway.
        password = make_password(DEMO_PASSWORD)
        now = timezone.now()
        with transaction.atomic():
            people = {}
            for username, age in [(DEMO_USERNAME, DEMO_JOINED), *PEOPLE, *CROWD, NEWSROOM]:
                user, new = User.objects.get_or_create(
                    username=username, defaults={"password": password, "date_joined": now - age}
                )
                if new:
                    join(user)
                    created["people"] += 1
                people[username] = user
            projects = {}
            for slug, owner, description, age in PROJECTS:
                name = slug.replace("-", " ").title()
                project, new = Project.objects.get_or_create(
                    slug=slug,
                    defaults={
                        "name": name,
                        "owner": people[owner],
                        "description": description,
                        "created_at": now - age,
                    },
                )
                created["projects"] += new
                projects[slug] = project
            pairs = [(people[a], people[b]) for a, b in FOLLOWS]
            pairs += [(people[a], projects[b]) for a, b in PROJECT_FOLLOWS]
            pairs += [(people[name], people["alice"]) for name, _ in CROWD]
            pairs += [(people[name], people[NEWSROOM[0]]) for name, _ in [*PEOPLE, *CROWD]]
            for follower, followed in pairs:
                if not is_following(follower, followed):
                    follow(follower, followed)
                    created["follows"] += 1
            for username, account in REQUESTS:
                requester, private = people[username], people[account]
                if not is_following(requester, private) and not has_requested(requester, private):
                    follow(requester, private)  # a request: erin approves follows
                    created["requests"] += 1
            for username, text, age in STATUSES:
                if not Status.objects.filter(author=people[username], text=text).exists():
                    post_status(people[username], text, at=now - age)
                    created["statuses"] += 1
            for text in NEWS:
                if not Status.objects.filter(author=people[NEWSROOM[0]], text=text).exists():
                    post_status(people[NEWSROOM[0]], text)
                    created["statuses"] += 1
            for username, slug, age in LIKES:
                if not Like.objects.filter(user=people[username], project=projects[slug]).exists():
                    created["likes"] += like_project(people[username], projects[slug], at=now - age)
        if any(created.values()):
            summary = ", ".join(f"{count} {what}" for what, count in created.items())
            self.stdout.write(f"seed_demo: added {summary}.")
        else:
            self.stdout.write("seed_demo: nothing to add, the demo data is already there.")
        self.stdout.write(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
