"""The progress reporter of the management commands."""

from __future__ import annotations

from io import StringIO

from django.core.management.base import OutputWrapper

from sequere.management.progress import Progress


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_short_runs_print_nothing():
    stream = StringIO()
    progress = Progress(stream, "work", every=10, total=5)
    progress.advance(5)
    progress.finish()
    assert stream.getvalue() == ""


def test_lines_in_logs():
    stream = StringIO()
    progress = Progress(stream, "work", every=10)
    for _ in range(25):
        progress.advance()
    progress.finish()
    assert stream.getvalue().splitlines() == ["work: 10", "work: 20", "work: 25"]


def test_bar_redrawn_on_a_terminal():
    stream = Terminal()
    wrapper = OutputWrapper(stream)  # adds no newline of its own to the bar
    progress = Progress(wrapper, "work", every=2, total=4)
    progress.advance(2)
    progress.advance(2)
    progress.finish()
    assert stream.getvalue() == (
        "\rwork [###############---------------] 2/4\rwork [##############################] 4/4\n"
    )


def test_disabled():
    stream = StringIO()
    progress = Progress(stream, "work", every=1, enabled=False)
    progress.advance(10)
    progress.finish()
    assert stream.getvalue() == ""
