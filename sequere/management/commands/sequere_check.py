"""``manage.py sequere_check [--fix]``: check the follow store against itself and the database.

Exit status 0 when the store is clean (or ``--fix`` repaired every problem found), 1 when
problems remain; each problem is printed on stdout, progress on stderr for long runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...backends import get_backend
from ...backends.database import DatabaseBackend
from ..orphans import OrphanCheck, backend_refs, database_refs
from ..progress import Progress


class Command(BaseCommand):
    help = (
        "Check the follow store: the backend's own consistency (database: self and duplicate "
        "edges; Redis: half edges, friends sets) and edges whose objects are gone. --fix repairs. "
        "Exit status 0 when clean, 1 when problems remain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Repair what is found and report it.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=1000,
            help="Objects checked per query, and the progress step (default 1000).",
        )

    def handle(self, *args: Any, fix: bool = False, chunk_size: int = 1000, **options: Any) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be a positive number.")
        backend = get_backend()
        name = type(backend).__name__
        quiet = options.get("verbosity", 1) == 0
        reports: list[tuple[str, dict]] = []

        if isinstance(backend, DatabaseBackend):
            from ...backends.database.audit import audit

            reports.append(("edges", audit(fix=fix)))
            refs = database_refs(chunk_size)
        else:
            try:
                reports.append(("edges", backend.audit(fix=fix)))
            except NotImplementedError:
                self.stderr.write(f"{name} has no consistency audit of its own; checking objects only.")
            refs = backend_refs(backend, chunk_size)

        progress = Progress(
            self.stderr, "sequere_check: objects checked", every=chunk_size, enabled=not quiet
        )
        reports.append(("objects", OrphanCheck(backend, progress, chunk_size).run(refs, fix=fix)))

        found = fixed = 0
        for _, report in reports:
            for problem in report["problems"]:
                self.stdout.write(f"problem: {problem}")
            found += len(report["problems"])
            fixed += report["fixed"]
        checked = ", ".join(f"{report['checked']} {what}" for what, report in reports)
        summary = f"{name}: checked {checked}; {found} problem(s) found"
        if fix:
            summary += f", {fixed} fixed"
        remaining = found - fixed if fix else found
        if remaining > 0:
            hint = "" if fix else " Run again with --fix to repair."
            raise CommandError(f"{summary}.{hint}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{summary}."))
