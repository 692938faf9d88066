"""Django settings of the Celery worker process the fault tests start and kill.

The test suite's settings, with the follow and timeline stores on the Redis named by
``SEQUERE_RELIABILITY_REDIS`` under the prefixes the test passes in the environment.
"""

import os

from tests.settings import *  # noqa: F403 - the worker runs the suite's project

# the test's own database: the chunk tasks' outbox rows go where the test reads them
DATABASES["default"]["NAME"] = os.environ["SEQUERE_RELIABILITY_DATABASE"]  # noqa: F405
SEQUERE_BACKEND_CLASS = "sequere.backends.redis.RedisBackend"
SEQUERE_REDIS_CONNECTION = os.environ["SEQUERE_RELIABILITY_REDIS"]
SEQUERE_REDIS_PREFIX = os.environ["SEQUERE_RELIABILITY_FOLLOW_PREFIX"]
SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.redis.RedisBackend"
SEQUERE_TIMELINE_REDIS_CONNECTION = os.environ["SEQUERE_RELIABILITY_REDIS"]
SEQUERE_TIMELINE_REDIS_PREFIX = os.environ["SEQUERE_RELIABILITY_TIMELINE_PREFIX"]
SEQUERE_TIMELINE_DISPATCH_RANGE = int(os.environ["SEQUERE_RELIABILITY_DISPATCH_RANGE"])
# the suite fans out inline; the worker sends one deliver task per chunk, as production does
SEQUERE_TIMELINE_FANOUT = "celery"
# the fault test pushes to its 20,000 followers: above the default hybrid limit they would be pulled
SEQUERE_TIMELINE_PUSH_LIMIT = None
