"""What users install: the package builds without warnings, and ``[timeline]`` alone runs a worker.

The sdist and the wheel are built as a release would be (``python -m build``, the wheel from the
sdist); then a virtualenv of its own, not the test one, gets nothing but the wheel with the
``timeline`` extra, and docs/timeline.rst's project runs its Celery worker on a Redis broker
from there. The test extras cannot hide a missing runtime dependency.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.celery_docs import follow_celery_docs
from tests.docs_project import ROOT
from tests.servers import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.worker]


def run(args: list[str], cwd: Path) -> str:
    # Without byte-compiling the build prints a "warning" of its own that says nothing of ours.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{' '.join(args)} failed:\n{out.stdout}{out.stderr}"
    return out.stdout + out.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """(the wheel, the build's whole output) from ``python -m build`` of a copy of the tree."""
    where = tmp_path_factory.mktemp("build")
    source = where / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    output = run([sys.executable, "-m", "build", "--outdir", str(where / "dist"), str(source)], where)
    (wheel,) = (where / "dist").glob("*.whl")
    assert len(list((where / "dist").glob("*.tar.gz"))) == 1
    return wheel, output


def test_the_build_has_no_warning(built):
    _, output = built
    flagged = [line for line in output.splitlines() if re.search(r"warn|deprecat", line, re.I)]
    assert flagged == [], "\n".join(flagged)


def test_the_timeline_extra_alone_runs_the_documented_worker(built, tmp_path: Path):
    wheel, _ = built
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[timeline]"], tmp_path)
    run([python, "-m", "pip", "check"], tmp_path)
    server = RedisServer().start()
    try:
        output, log = follow_celery_docs(python, tmp_path / "project", server.url)
    finally:
        server.stop()
    assert "FANNED-OUT [<JoinAction: thoas join>]" in output, output + log
    assert "Task sequere.timeline.dispatch[" in log and "succeeded" in log, log
