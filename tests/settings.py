"""Settings for the test suite: SQLite by default, ``DATABASE_URL`` for PostgreSQL."""

import importlib.util
import os

SECRET_KEY = "sequere-tests"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "sequere",
    "sequere.backends.database",
    "tests.testapp.apps.TestAppConfig",
    "sequere.contrib.user",
    "sequere.contrib.timeline",
]
# the REST API's tests need the `rest` extra; the no-extras run has no Django REST framework
HAS_REST_FRAMEWORK = importlib.util.find_spec("rest_framework") is not None
if HAS_REST_FRAMEWORK:
    INSTALLED_APPS.append("rest_framework")
    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
        "DEFAULT_THROTTLE_RATES": {"sequere": "1000/minute"},
    }

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"
# The timeline app is installed, but follow/unfollow only move timeline actions in the tests that
# configure a timeline store and turn these on (tests/contrib/timeline/conftest.py).
SEQUERE_TIMELINE_IMPORT_ON_FOLLOW = False
SEQUERE_TIMELINE_REMOVE_ON_UNFOLLOW = False
# Deleting a registered instance cleans its timelines: by default in the test database, in the
# test process; tests of the Redis timeline or of Celery configure those themselves (never the
# machine's own Redis or broker).
SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
SEQUERE_TIMELINE_FANOUT = "inline"

# Tests create many users; the default PBKDF2 hasher would cost seconds of CPU per test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
