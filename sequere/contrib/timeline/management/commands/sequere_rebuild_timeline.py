"""``manage.py sequere_rebuild_timeline``: rebuild private timelines from followings' public ones.

With ``--relayout`` it instead rewrites every Redis timeline of the layout before version 2 into
today's (see :mod:`sequere.contrib.timeline.backends.relayout`); run it once after upgrading, as
often as needed until it reports nothing left: it resumes where a stopped run left off.

Exit status 0 when every timeline was rebuilt, 1 when one failed (its error is printed and the
others are still rebuilt) or the arguments name nothing rebuildable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .....exceptions import NotRegisteredException, SequereException
from .....management.progress import Progress
from .....refs import Ref
from .....registration import registry
from ...rebuild import rebuild_private_timeline


def _parse(value: str) -> Ref:
    identifier, sep, object_id = value.partition(":")
    if not sep or not identifier or not object_id:
        raise CommandError(
            f"{value!r} is not a resource: write it as <identifier>:<object_id>, e.g. user:42."
        )
    return Ref(identifier, object_id)


class Command(BaseCommand):
    help = (
        "Rebuild the private timeline of resources from the public timelines of what they follow "
        "(and their own). Name resources as identifier:object_id, or use --identifier / --all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resources", nargs="*", help="identifier:object_id, e.g. user:42")
        parser.add_argument(
            "--identifier", action="append", default=[], help="Rebuild every instance of this identifier."
        )
        parser.add_argument(
            "--all", action="store_true", help="Rebuild every instance of every registered model."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Also remove actions of actors the resource no longer follows (including actions "
            "saved directly into its timeline by others).",
        )
        parser.add_argument(
            "--relayout",
            action="store_true",
            help="Rewrite Redis timelines of the layout before version 2 (sorted sets of 32-character "
            "ids) into packed lists; resumable.",
        )
        parser.add_argument(
            "--progress-step", type=int, default=100, help="Report progress every N timelines (default 100)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["relayout"]:
            self._relayout(options)
            return
        owners, total = self._owners(options["resources"], options["identifier"], options["all"])
        progress = Progress(
            self.stderr,
            "sequere_rebuild_timeline",
            every=max(options["progress_step"], 1),
            total=total,
            enabled=options["verbosity"] > 0,
        )
        done = added = removed = 0
        failures: list[str] = []
        for owner in owners:
            try:
                result = rebuild_private_timeline(owner, prune=options["prune"])
            except SequereException as exc:
                failures.append(f"{owner.identifier}:{owner.object_id}: {exc}")
            else:
                done += 1
                added += result["added"]
                removed += result["removed"]
                if options["verbosity"] >= 2:
                    self.stdout.write(
                        f"{owner.identifier}:{owner.object_id}: {result['followings']} followings, "
                        f"{result['added']} added, {result['removed']} removed"
                    )
            progress.advance()
        progress.finish()
        summary = f"Rebuilt {done} private timeline(s): {added} action(s) added, {removed} removed."
        for failure in failures:
            self.stderr.write(f"failed: {failure}")
        if failures:
            raise CommandError(f"{summary} {len(failures)} failed.", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _relayout(self, options: dict[str, Any]) -> None:
        from ...backends import get_timeline_backend
        from ...backends.redis import RedisBackend
        from ...backends.relayout import old_timelines, relayout

        if options["resources"] or options["identifier"] or options["all"] or options["prune"]:
            raise CommandError("--relayout rewrites every timeline; it takes no resources, --all or --prune.")
        backend = get_timeline_backend()
        if not isinstance(backend, RedisBackend):
            raise CommandError(
                f"--relayout rewrites the Redis timeline layout; SEQUERE_TIMELINE_BACKEND_CLASS is "
                f"{type(backend).__module__}.{type(backend).__name__}, which has no old layout."
            )
        total = sum(1 for _ in old_timelines(backend))
        progress = Progress(
            self.stderr,
            "sequere_rebuild_timeline --relayout",
            every=max(options["progress_step"], 1),
            total=total,
            enabled=options["verbosity"] > 0,
        )
        result = relayout(backend, advance=progress.advance)
        progress.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rewrote {result['timelines']} timeline(s) of the old layout ({result['entries']} "
                f"entries); deleted {result['actions']} action(s) kept under their old 32-digit ids."
            )
        )

    def _owners(
        self, resources: list[str], identifiers: list[str], everything: bool
    ) -> tuple[Iterator[Ref], int]:
        """The refs to rebuild and how many there are; CommandError for anything unknown."""
        if not (resources or identifiers or everything):
            raise CommandError("Name resources (identifier:object_id), or pass --identifier NAME or --all.")
        refs = [_parse(value) for value in resources]
        for ref in refs:
            self._options(ref.identifier)
        found = registry.load(refs)
        missing = [f"{ref.identifier}:{ref.object_id}" for ref in refs if ref not in found]
        if missing:
            raise CommandError(f"No such object: {', '.join(missing)} (check the id and its spelling).")
        if everything:
            identifiers = sorted(registry.get_identifier(model) for model in registry.models)
        querysets = [
            self._options(identifier).model._default_manager.order_by("pk") for identifier in identifiers
        ]
        total = len(refs) + sum(qs.count() for qs in querysets)

        def iterate() -> Iterator[Ref]:
            yield from refs
            for identifier, qs in zip(identifiers, querysets, strict=True):
                for pk in qs.values_list("pk", flat=True).iterator(chunk_size=1000):
                    yield Ref(identifier, str(pk))

        return iterate(), total

    @staticmethod
    def _options(identifier: str) -> Any:
        try:
            return registry.get_by_identifier(identifier)
        except NotRegisteredException as exc:
            raise CommandError(str(exc)) from None
