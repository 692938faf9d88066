"""What the live-feed tests do to the served project from another process.

``python -m tests.live_site.cli setup``: migrate, make the reader (an ``AUTH_USER_MODEL`` user
with a session) following the actor ``thoas``; prints the session key and the reader's ref.
``python -m tests.live_site.cli save NOTE``: ``thoas`` saves a ``like`` action with ``note``.
"""

import os
import sys

import django


def main(command: str, *args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.live_site.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from sequere.contrib.timeline import Timeline
    from sequere.models import follow
    from sequere.registration import registry
    from tests.testapp.models import User
    from tests.testapp.sequere_registry import LikeAction

    if command == "setup":
        call_command("migrate", verbosity=0, interactive=False)
        reader = get_user_model().objects.create_user(username="reader", password="secret")
        follow(reader, User.objects.create(username="thoas"))
        session = SessionStore()
        session["_auth_user_id"] = str(reader.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = reader.get_session_auth_hash()
        session.create()
        print(session.session_key, *registry.get_ref(reader))
    elif command == "save":
        thoas = User.objects.get(username="thoas")
        print(Timeline(thoas).save(LikeAction(actor=thoas, note=args[0])).id)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
