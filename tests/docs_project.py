"""Build a brand-new Django project from the code blocks of the README or a docs page.

The tests that use this follow the text as a new user would: ``startproject``, ``startapp``,
then every block that names a file in its first line (``# myapp/models.py``) is written to that
file, a block for ``settings.py`` is added to the generated settings, and the ``pycon`` sessions
are typed into ``manage.py shell``. Edit the docs and these tests run the new text.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVE = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$")
FILE_COMMENT = re.compile(r"^#\s*([\w/.-]+\.py)\b")
#: A settings block's ``INSTALLED_APPS = [...]``: the entries are added after the project's own.
APPS = re.compile(r"^INSTALLED_APPS = \[\n(.*?)^\]\n", re.S | re.M)


@dataclass(frozen=True)
class Block:
    """One literal block of a reStructuredText page: its language (``""`` for ``::``) and text."""

    language: str
    text: str

    @property
    def path(self) -> str | None:
        """The file the block's first line names (``# myproject/celery.py``), if any."""
        match = FILE_COMMENT.match(self.text)
        return match[1] if match else None

    @property
    def is_session(self) -> bool:
        """Whether the block is an interactive session (it starts with a ``>>>`` prompt)."""
        return self.text.startswith(">>> ")


def code_blocks(page: Path) -> list[Block]:
    """Every ``.. code-block::`` and ``::`` literal block of ``page``, in order, dedented."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        if directive is None and not (line.rstrip().endswith("::") and not line.lstrip().startswith("..")):
            index += 1
            continue
        indent = _indent(line)
        language = directive[2] if directive else ""
        index += 1
        while index < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[index]):  # directive options
            index += 1
        body: list[str] = []
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
            body.append(lines[index])
            index += 1
        text = _dedent(body)
        if text:
            blocks.append(Block(language, text))
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dedent(body: list[str]) -> str:
    text = textwrap.dedent("\n".join(body)).strip("\n")
    return f"{text}\n" if text else ""


def sessions(blocks: list[Block]) -> list[Block]:
    """The interactive sessions (``>>>`` prompts) among ``blocks``."""
    return [block for block in blocks if block.is_session]


def run(
    args: list[str], cwd: Path, *, env: dict[str, str] | None = None, stdin_file: IO | None = None
) -> str:
    """Run a command of the new project; fail with its output if it fails; return its stdout."""
    clean = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        args,
        cwd=cwd,
        env={**clean, **(env or {})},
        stdin=stdin_file if stdin_file is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout}{out.stderr}"
    return out.stdout


def start_project(python: str, where: Path, project: str = "myproject", app: str = "myapp") -> None:
    """``django-admin startproject`` and ``startapp``, then ``app`` added to ``INSTALLED_APPS``."""
    where.mkdir(parents=True, exist_ok=True)
    run([python, "-m", "django", "startproject", project, "."], where)
    run([python, "manage.py", "startapp", app], where)
    add_settings(where / project / "settings.py", f'INSTALLED_APPS = [\n    "{app}",\n]\n')


def add_settings(settings: Path, block: str) -> None:
    """Add a settings block as a user would: its ``INSTALLED_APPS`` entries at the end of the
    list ``startproject`` wrote, the other lines at the end of the file."""
    text = settings.read_text(encoding="utf-8")
    apps = APPS.search(block)
    if apps:
        entries = [line for line in apps[1].splitlines() if line.strip() and not line.strip().startswith("#")]
        mine = APPS.search(text)
        text = text[: mine.end(1)] + "".join(f"{entry}\n" for entry in entries) + text[mine.end(1) :]
        block = block[: apps.start()] + block[apps.end() :]
    rest = "\n".join(line for line in block.splitlines() if not FILE_COMMENT.match(line)).strip()
    settings.write_text(text + ("\n" + rest + "\n" if rest else ""), encoding="utf-8")


def write_files(where: Path, blocks: list[Block], project: str = "myproject") -> list[str]:
    """Write every block that names a file, in order (a later block for a file replaces it;
    ``settings.py`` blocks are each added to the settings); return the paths written."""
    written = []
    for block in blocks:
        if block.path is None:
            continue
        if Path(block.path).name == "settings.py":
            add_settings(where / project / "settings.py", block.text)
        else:
            (where / block.path).write_text(block.text, encoding="utf-8")
        written.append(block.path)
    return written
