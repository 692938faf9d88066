"""The example site: sequere with its embedded defaults only.

SQLite, the database follow backend, the database timeline backend and inline fan-out: no Redis
and no broker. The pages' scripts go through sequere's REST API (``sequere.contrib.rest_framework``)
and the live feed, which polls the database timeline (``SEQUERE_TIMELINE_LIVE_TRANSPORT = "poll"``);
``make demo`` serves the site with uvicorn (ASGI, ``demo_site/asgi.py``) so that feed streams.
Switching to Redis and Celery is a matter of settings alone (see docs/example.rst).
``SEQUERE_EXAMPLE_DB`` names another SQLite file (the tests use a temporary one).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SEQUERE_EXAMPLE_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("SEQUERE_EXAMPLE_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "sequere",
    "sequere.backends.database",
    "sequere.contrib.timeline",
    "sequere.contrib.user",
    "social",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"
ASGI_APPLICATION = "demo_site.asgi.application"

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
                "social.context_processors.unread",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SEQUERE_EXAMPLE_DB", str(BASE_DIR / "db.sqlite3")),
    }
}

if os.environ.get("SEQUERE_EXAMPLE_FAST_PASSWORDS") == "1":
    # The test suite signs many people up; a slow hash only slows it down there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
STATIC_URL = "static/"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# sequere: the embedded defaults.
SEQUERE_BACKEND_CLASS = "sequere.backends.database.DatabaseBackend"
SEQUERE_TIMELINE_BACKEND_CLASS = "sequere.contrib.timeline.backends.database.DatabaseBackend"
SEQUERE_TIMELINE_FANOUT = "inline"
# Hybrid fan-out at demo scale: alice (33 followers) is pushed, the seeded newsroom (36) is pulled.
SEQUERE_TIMELINE_PUSH_LIMIT = 34
SEQUERE_TIMELINE_LIVE_TRANSPORT = "poll"
SEQUERE_TIMELINE_LIVE_POLL_INTERVAL = 1.0

# The REST API, for the pages' scripts: the session of the signed-in person (with its CSRF check).
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}
SEQUERE_REST_SERIALIZERS = {
    "user": "social.api.PersonSerializer",
    "status": "social.api.StatusSerializer",
    "project": "social.api.ProjectSerializer",
}
