"""Django settings for ``make bench``: PostgreSQL, the harness's own redis-server, actstream beside sequere.

``BENCH_DATABASE_URL`` names the database (default: ``sequere_bench`` on the machine's PostgreSQL,
created and dropped by the harness, so other databases there are never touched). ``BENCH_REDIS_URL``
is set by the harness to the redis-server it starts for itself.
"""

import os

import dj_database_url

SECRET_KEY = "sequere-bench"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sequere_bench")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6390/0")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "actstream",
    "sequere",
    "sequere.backends.database",
    "bench.apps.BenchConfig",
]
try:  # the timeline app joins when it exists in this checkout
    import sequere.contrib.timeline  # noqa: F401

    INSTALLED_APPS.insert(-1, "sequere.contrib.timeline")
except ImportError:
    pass

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"
SEQUERE_REDIS_CONNECTION = REDIS_URL
SEQUERE_REDIS_PREFIX = "bench:"
SEQUERE_TIMELINE_REDIS_CONNECTION = REDIS_URL
SEQUERE_TIMELINE_REDIS_PREFIX = "bench:timeline"
SEQUERE_TIMELINE_FANOUT = "inline"
# follow() is measured bare, as actstream's follow(send_action=False) is: no timeline import
SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = False

CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"

ACTSTREAM_SETTINGS = {"FETCH_RELATIONS": True, "USE_JSONFIELD": False}
