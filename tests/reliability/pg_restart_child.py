"""The PostgreSQL-restart scenario, run in a process of its own (``test_postgres_restart``).

Its database is a PostgreSQL cluster the test started; the scenario stops it, calls the API,
starts it again and calls the API again, then prints one JSON report on stdout. A process of its
own because the suite's database connection cannot be pointed at another server mid-session.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.reliability.pg_restart_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections

    from sequere.contrib.timeline import Timeline
    from sequere.models import follow, is_following, unfollow
    from sequere.outbox import PendingJob, replay
    from tests.servers import PostgresServer
    from tests.testapp.models import User
    from tests.testapp.sequere_registry import JoinAction

    server = PostgresServer(
        port=int(os.environ["SEQUERE_PG_RESTART_PORT"]), workdir=os.environ["SEQUERE_PG_RESTART_DIR"]
    )
    call_command("migrate", verbosity=0)
    alice, bob, carol = (User.objects.create(username=name) for name in ("alice", "bob", "carol"))
    Timeline(bob).save(JoinAction(actor=bob))
    follow(carol, bob)
    report: dict = {}

    def attempt(name: str, call) -> None:
        started = time.monotonic()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - the report says what came out
            report[name] = {"raised": f"{type(exc).__module__}.{type(exc).__name__}", "message": str(exc)}
        else:
            report[name] = {"raised": None}
        report[name]["seconds"] = round(time.monotonic() - started, 3)

    server.stop()
    attempt("follow while down", lambda: follow(alice, bob))
    attempt("unfollow while down", lambda: unfollow(carol, bob))
    attempt("save while down", lambda: Timeline(bob).save(JoinAction(actor=bob)))
    server.start()
    close_old_connections()  # what Django does at the start of every request
    report["after restart"] = {
        "alice follows bob": is_following(alice, bob),
        "carol follows bob": is_following(carol, bob),
        "bob's actions": Timeline(bob).get_public_count(),
        "carol's timeline": Timeline(carol).get_private_count(),
        "pending jobs": PendingJob.objects.count(),
    }
    attempt("follow after restart", lambda: follow(alice, bob))
    report["replayed"] = replay()
    report["alice's timeline"] = Timeline(alice).get_private_count()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
