"""Progress reporting for long management commands, written to stderr."""

from __future__ import annotations

from typing import TextIO

from django.core.management.base import OutputWrapper


class Progress:
    """Counts work done and reports it on ``stream`` every ``every`` items.

    Short runs (fewer than ``every`` items) print nothing; on a terminal the line is redrawn in
    place (a progress bar when ``total`` is known), otherwise one line per step is written, so
    logs of cron jobs stay readable.
    """

    WIDTH = 30

    def __init__(
        self, stream: TextIO, label: str, *, every: int, total: int | None = None, enabled: bool = True
    ) -> None:
        self.stream = stream
        self.label = label
        self.every = max(every, 1)
        self.total = total
        self.done = 0
        self.enabled = enabled
        self._next = self.every
        self._shown_at = -1
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more items; report when a step boundary is crossed."""
        self.done += n
        if self.enabled and self.done >= self._next:
            self._next = (self.done // self.every + 1) * self.every
            self._show()

    def _show(self) -> None:
        self._shown_at = self.done
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"{self.label}: {self.done}"
        self._write("\r" + text if self.tty else text + "\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")  # it would add a newline of its own
        else:
            self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        """End the progress line (only if something was shown)."""
        if self._shown_at < 0:
            return
        if self._shown_at != self.done:
            self._show()
        if self.tty:
            self._write("\n")
