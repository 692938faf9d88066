"""``manage.py sequere_check [--fix]``: check sequere's stores against themselves and the database.

Every store of :func:`sequere.audits.stores` (the follow backend, and the timeline backend when
``sequere.contrib.timeline`` is installed) audits itself through the backend contract,
``audit(fix)``; the follow store's edges are also checked against the rows they point to.
Exit status 0 when everything is clean (or ``--fix`` repaired every problem found), 1 when
problems remain; each problem is printed on stdout, progress on stderr for long runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...audits import store_names, stores
from ..orphans import OrphanCheck
from ..progress import Progress


class Command(BaseCommand):
    help = (
        "Check sequere's stores: each backend's own consistency (database: self and duplicate "
        "edges; Redis: half edges, friends sets, expired tombstones; timelines: entries whose "
        "action is gone, timelines over their length) and edges whose objects are gone. "
        "--fix repairs. Exit status 0 when clean, 1 when problems remain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Repair what is found and report it.")
        parser.add_argument(
            "--store",
            action="append",
            dest="only",
            metavar="NAME",
            help="Check only this store: 'follow', or one an app added ('timeline'). Repeatable; "
            "default: every store.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=1000,
            help="Objects checked per query, and the progress step (default 1000).",
        )

    def handle(
        self,
        *args: Any,
        fix: bool = False,
        chunk_size: int = 1000,
        only: list[str] | None = None,
        **options: Any,
    ) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be a positive number.")
        known = store_names()
        unknown = sorted(set(only or ()) - set(known))
        if unknown:
            raise CommandError(f"No store named {', '.join(unknown)}; the stores are {', '.join(known)}.")
        quiet = options.get("verbosity", 1) == 0
        reports: list[tuple[str, dict]] = []
        names = []
        for name, store in stores(only):
            names.append(type(store).__name__)
            what = "edges" if name == "follow" else f"{name} entries"
            try:
                reports.append((what, store.audit(fix=fix)))
            except NotImplementedError:
                self.stderr.write(f"{type(store).__name__} has no consistency audit of its own.")
            if name == "follow":
                progress = Progress(
                    self.stderr, "sequere_check: objects checked", every=chunk_size, enabled=not quiet
                )
                refs = store.distinct_refs(chunk_size)
                reports.append(("objects", OrphanCheck(store, progress, chunk_size).run(refs, fix=fix)))

        found = fixed = 0
        for _, report in reports:
            for problem in report["problems"]:
                self.stdout.write(f"problem: {problem}")
            found += len(report["problems"])
            fixed += report["fixed"]
        checked = ", ".join(f"{report['checked']} {what}" for what, report in reports)
        summary = f"{', '.join(names)}: checked {checked}; {found} problem(s) found"
        if fix:
            summary += f", {fixed} fixed"
        remaining = found - fixed if fix else found
        if remaining > 0:
            hint = "" if fix else " Run again with --fix to repair."
            raise CommandError(f"{summary}.{hint}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}."))
