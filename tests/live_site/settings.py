"""Settings of the project the live-feed tests serve under uvicorn (a process of its own).

The suite's settings, on a SQLite file (``SEQUERE_LIVE_DB``), or on the PostgreSQL database
``SEQUERE_LIVE_DATABASE_URL`` names when the suite runs on PostgreSQL, that both the server and
the test's helper processes (:mod:`tests.live_site.cli`) open, with the timeline store and the live
transport the environment names: ``SEQUERE_LIVE_TRANSPORT`` (``poll`` on the database timeline
backend, ``redis`` on the Redis one at ``SEQUERE_LIVE_REDIS`` under ``SEQUERE_LIVE_PREFIX``).
"""

import os

from tests.settings import *  # noqa: F403

DEBUG = False
if os.environ.get("SEQUERE_LIVE_DATABASE_URL"):  # a PostgreSQL database the test made for it
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["SEQUERE_LIVE_DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SEQUERE_LIVE_DB"]}}
SEQUERE_TIMELINE_FANOUT = "inline"
SEQUERE_TIMELINE_LIVE_TRANSPORT = os.environ.get("SEQUERE_LIVE_TRANSPORT", "poll")
SEQUERE_TIMELINE_LIVE_HEARTBEAT = float(os.environ.get("SEQUERE_LIVE_HEARTBEAT", "15"))
SEQUERE_TIMELINE_LIVE_POLL_INTERVAL = 0.2
if SEQUERE_TIMELINE_LIVE_TRANSPORT == "redis":
    SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
    SEQUERE_TIMELINE_REDIS_CONNECTION = os.environ["SEQUERE_LIVE_REDIS"]
    SEQUERE_TIMELINE_REDIS_PREFIX = os.environ["SEQUERE_LIVE_PREFIX"]
