"""docs/timeline.rst's Celery set-up, followed in a brand-new project, with a real worker on Redis.

:func:`follow_celery_docs` builds the project from the page's own blocks (the settings, the
registry, ``celery.py``, the ``__init__.py`` import) and the README's ``myapp/models.py``, starts
the worker with the page's own command, and has ``manage.py shell`` save an action that must
reach a follower through that worker. The only change to the text is the Redis address: the
page's ``redis://localhost:6379`` becomes a server of the test's own.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

from tests.docs_project import ROOT, code_blocks, run, start_project, write_files

DOCS_REDIS = "redis://localhost:6379"
#: Seconds the worker gets to start, and the action to reach the follower.
READY_TIMEOUT = 90
FANOUT_TIMEOUT = 60

#: Typed into the project's ``manage.py shell -c``: a follow, then an action the worker fans out.
SCRIPT = f"""
import time
from django.contrib.auth.models import User
from myapp.sequere_registry import JoinAction
from sequere.contrib.timeline import Timeline
from sequere.models import follow

thoas = User.objects.create(username="thoas")
newbie = User.objects.create(username="newbie")
follow(newbie, thoas)
Timeline(thoas).save(JoinAction(actor=thoas))
deadline = time.monotonic() + {FANOUT_TIMEOUT}
while not Timeline(newbie).get_private_count() and time.monotonic() < deadline:
    time.sleep(0.1)
print("FANNED-OUT", list(Timeline(newbie).get_private()))
"""


def worker_command(page: Path) -> list[str]:
    """The page's ``celery -A ... worker`` command line, split into arguments."""
    for block in code_blocks(page):
        for line in block.text.splitlines():
            if line.startswith("celery ") and " worker" in line:
                return shlex.split(line.split("#", 1)[0])
    raise AssertionError(f"{page.name} shows no 'celery -A ... worker' command")


def build_project(python: str, where: Path, redis_url: str) -> list[str]:
    """The project of docs/timeline.rst on ``redis_url``, migrated; return the files written."""
    page = ROOT / "docs" / "timeline.rst"
    start_project(python, where)
    models = [block for block in code_blocks(ROOT / "README.rst") if block.path == "myapp/models.py"]
    blocks = [block for block in code_blocks(page) if block.path]
    written = write_files(where, models + blocks)
    settings = where / "myproject" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    assert DOCS_REDIS in text, f"the settings block of {page.name} no longer uses {DOCS_REDIS}"
    settings.write_text(text.replace(DOCS_REDIS, redis_url.rsplit("/", 1)[0]), encoding="utf-8")
    run([python, "manage.py", "makemigrations", "myapp"], where)
    run([python, "manage.py", "migrate", "--noinput"], where)
    return written


def follow_celery_docs(python: str, where: Path, redis_url: str) -> tuple[str, str]:
    """Build the project, run its worker, fan an action out; return (shell output, worker log)."""
    written = build_project(python, where, redis_url)
    for path in ("myproject/settings.py", "myproject/celery.py", "myproject/__init__.py"):
        assert path in written, f"docs/timeline.rst has no block for {path}"
    args = worker_command(ROOT / "docs" / "timeline.rst")
    assert args[0] == "celery"
    executable = str(Path(python).parent / "celery")
    log_path = where / "worker.log"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [executable, *args[1:]], cwd=where, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_until_ready(worker, log_path)
        output = run([python, "manage.py", "shell", "-c", SCRIPT], where)
    finally:
        stop(worker)
    return output, log_path.read_text(encoding="utf-8", errors="replace")


def wait_until_ready(worker: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if " ready." in text:
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited with {worker.returncode}:\n{text}")
        time.sleep(0.2)
    raise AssertionError(f"the worker was not ready within {READY_TIMEOUT} s:\n{log_path.read_text()}")


def stop(worker: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM) of the worker and its pool processes; SIGKILL after 30 s."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
