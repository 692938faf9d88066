"""The README's sessions, typed into ``manage.py shell`` of a brand-new project built from its blocks.

The project is what a new user makes of the README read top to bottom: ``startproject``,
``startapp myapp``, then every block that names a file written to it (settings blocks added to
the settings), ``makemigrations`` and ``migrate`` before each session, and each ``pycon`` session
fed on standard input to a fresh ``manage.py shell``. Django 5.2's shell imports every model by
itself (``django.contrib.auth``'s ``User`` among them); the session runs in the namespace that
shell gives its input, and every output it prints is compared with the README's, only dates
being free.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.docs_project import ROOT, Block, code_blocks, run, sessions, start_project, write_files

#: Run inside ``manage.py shell`` (standard input): the session as doctest examples, in the
#: namespace the shell gave, each output compared with the text's; dates may differ.
DRIVER = """
_namespace = dict(globals())
import doctest as _doctest
import re as _re

_DATE = _re.compile(r"datetime\\.datetime\\([0-9, ]+")


class _Checker(_doctest.OutputChecker):
    def check_output(self, want, got, optionflags):
        return super().check_output(_DATE.sub("DATE", want), _DATE.sub("DATE", got), optionflags)


_test = _doctest.DocTestParser().get_doctest({session}, _namespace, {name}, {name}, 0)
_runner = _doctest.DocTestRunner(checker=_Checker(), verbose=False)
_result = _runner.run(_test)
print("SESSION-RESULT", _result.failed, _result.attempted)
"""


def run_session(python: str, project: Path, session: Block, name: str) -> int:
    """Feed ``session`` to ``manage.py shell`` on standard input; return how many examples ran."""
    driver = project / "session_input.py"
    driver.write_text(textwrap.dedent(DRIVER).format(session=repr(session.text), name=json.dumps(name)))
    with open(driver, encoding="utf-8") as stdin:
        output = run([python, "manage.py", "shell"], project, stdin_file=stdin)
    result = re.search(r"^SESSION-RESULT (\d+) (\d+)$", output, re.M)
    assert result, output
    failed, attempted = int(result[1]), int(result[2])
    assert failed == 0, f"{name}: {failed} of {attempted} outputs differ from the text:\n{output}"
    return attempted


def follow_page(page: Path, project: Path) -> list[int]:
    """Build the project from ``page`` top to bottom, running each session; examples per session."""
    python = sys.executable
    start_project(python, project)
    blocks = code_blocks(page)
    assert sessions(blocks), f"{page.name} has no pycon session"
    pending: list[Block] = []
    counts = []
    for number, block in enumerate(blocks):
        if not block.is_session:
            pending.append(block)
            continue
        write_files(project, pending)
        pending = []
        run([python, "manage.py", "makemigrations", "myapp"], project)
        run([python, "manage.py", "migrate", "--noinput"], project)
        counts.append(run_session(python, project, block, f"{page.name} block {number}"))
    return counts


@pytest.fixture(scope="module")
def readme_project(tmp_path_factory) -> tuple[Path, list[int]]:
    """The project the README builds, after its sessions ran; and how many examples each had."""
    project = tmp_path_factory.mktemp("readme")
    return project, follow_page(ROOT / "README.rst", project)


def test_readme_sessions_in_a_fresh_project(readme_project):
    _, counts = readme_project
    assert counts == [11, 20]  # the follow session and the timeline session, every output compared


@pytest.mark.parametrize("page", ["docs/quickstart.rst", "docs/timeline.rst"])
def test_docs_sessions_in_the_readme_project(readme_project, page: str):
    """The docs' sessions, each on an emptied database of the project the README builds (its
    models, registry and settings: timelines in the database, fanned out inline)."""
    project, _ = readme_project
    page_sessions = sessions(code_blocks(ROOT / page))
    assert page_sessions
    for number, session in enumerate(page_sessions):
        run([sys.executable, "manage.py", "flush", "--noinput"], project)
        assert run_session(sys.executable, project, session, f"{page} session {number}") > 5
