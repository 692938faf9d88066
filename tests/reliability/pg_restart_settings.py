"""Django settings of the PostgreSQL-restart child process (``pg_restart_child``).

The suite's project on the PostgreSQL cluster the test started (``SEQUERE_PG_RESTART_DATABASE``),
with the follow backend the test names and the database timeline, fanned out inline.
"""

import os

import dj_database_url

from tests.settings import *  # noqa: F403 - the child runs the suite's project

DATABASES = {"default": dj_database_url.parse(os.environ["SEQUERE_PG_RESTART_DATABASE"])}
SEQUERE_BACKEND_CLASS = os.environ["SEQUERE_PG_RESTART_BACKEND"]
SEQUERE_REDIS_CONNECTION = os.environ["SEQUERE_PG_RESTART_REDIS"]
SEQUERE_REDIS_PREFIX = "pg-restart:"
SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
SEQUERE_TIMELINE_FANOUT = "inline"
SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = True
