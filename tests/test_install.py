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


def fresh_env() -> dict[str, str]:
    """This environment as a new user's shell would have it: no test settings module, and
    byte-compiling on (without it the build prints a "warning" of its own that says nothing of ours)."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONDONTWRITEBYTECODE", "DJANGO_SETTINGS_MODULE")
    }


def run(args: list[str], cwd: Path) -> str:
    out = subprocess.run(args, cwd=cwd, env=fresh_env(), capture_output=True, text=True, timeout=600)
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


def venv_with(wheel: Path, extra: str, tmp_path: Path) -> tuple[str, Path]:
    """A new virtualenv holding the wheel with ``extra`` and nothing else (``pip check`` clean):
    its python and its bin directory."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[{extra}]"], tmp_path)
    run([python, "-m", "pip", "check"], tmp_path)
    return python, venv / "bin"


def test_the_timeline_extra_alone_runs_the_documented_worker(built, tmp_path: Path):
    python, _ = venv_with(built[0], "timeline", tmp_path)
    server = RedisServer().start()
    try:
        output, log = follow_celery_docs(python, tmp_path / "project", server.url)
    finally:
        server.stop()
    assert "FANNED-OUT [<JoinAction: thoas join>]" in output, output + log
    assert "Task sequere.timeline.dispatch[" in log and "succeeded" in log, log


def follow_docs_setup(page: str, project: Path) -> None:
    """Write ``page``'s set-up block (its settings, then ``# urls.py`` and the include) into the
    ``mysite`` project ``startproject`` made, as a new user copies it: the page's own lines, so
    the docs and this test cannot drift apart (its ``...,`` placeholders left out)."""
    from tests.docs_project import add_settings, code_blocks

    block = next(b for b in code_blocks(ROOT / page) if "INSTALLED_APPS" in b.text and "# urls.py" in b.text)
    settings, urls = block.text.split("# urls.py\n")
    add_settings(project / "mysite" / "settings.py", settings.replace("    ...,\n", ""))
    include = next(line.strip().rstrip(",") for line in urls.splitlines() if "include(" in line)
    (project / "mysite" / "urls.py").write_text(
        f"from django.urls import include, path\n\nurlpatterns = [{include}]\n", encoding="utf-8"
    )


def docs_project(python: str, bin_dir: Path, page: str, tmp_path: Path) -> Path:
    """A fresh ``startproject`` with ``page``'s set-up (:func:`follow_docs_setup`), checked
    (``manage.py check`` says no issues) and migrated from zero."""
    project = tmp_path / "project"
    project.mkdir()
    run([str(bin_dir / "django-admin"), "startproject", "mysite", "."], project)
    follow_docs_setup(page, project)
    assert "no issues" in run([python, "manage.py", "check"], project)
    run([python, "manage.py", "migrate", "--noinput"], project)
    return project


def shell(python: str, project: Path, session: str) -> str:
    """What ``session`` typed into ``manage.py shell`` prints (stdout, then stderr)."""
    made = subprocess.run(
        [python, "manage.py", "shell"],
        cwd=project,
        env=fresh_env(),
        input=session,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return made.stdout + made.stderr


#: A user and a logged-in session for it, made in ``manage.py shell``; prints the session key.
LIVE_SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore

user = User.objects.create_user("ann", password="pw")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print("SESSION", session.session_key)
"""


def test_the_live_extra_alone_streams_under_uvicorn(built, tmp_path: Path):
    """docs/live.rst as a new user follows it: ``pip install 'django-sequere[live]'``, its
    INSTALLED_APPS and URL include in a fresh ``startproject``, ``manage.py check`` and
    ``migrate`` from zero, then ``uvicorn mysite.asgi:application``: the stream answers an
    anonymous request 403 with JSON, and a logged-in one ``text/event-stream`` with its first events."""
    import socket
    import time
    import urllib.error
    import urllib.request

    python, bin_dir = venv_with(built[0], "live", tmp_path)
    project = docs_project(python, bin_dir, "docs/live.rst", tmp_path)
    made = shell(python, project, LIVE_SESSION)
    session_key = re.search(r"^SESSION (\w+)$", made, re.M)
    assert session_key, made
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(bin_dir / "uvicorn"), "mysite.asgi:application", "--port", str(port)],
        cwd=project,
        env=fresh_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    live = f"http://127.0.0.1:{port}/api/sequere/timeline/live/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(live, timeout=2)
            except urllib.error.HTTPError as refused:  # up: anonymous is refused
                assert refused.code == 403 and b'"detail"' in refused.read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not answer")
        request = urllib.request.Request(live, headers={"Cookie": f"sessionid={session_key[1]}"})
        with urllib.request.urlopen(request, timeout=10) as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            first = b"".join(stream.readline() for _ in range(5)).decode()
        assert first == 'retry: 3000\n\nevent: unread\ndata: {"unread_count": 0}\n\n', first
    finally:
        server.terminate()
        server.wait(timeout=30)


#: What the new user types into ``manage.py shell`` once docs/rest.rst's set-up is in: a follow
#: over the API, the followers list, the private timeline, and the OpenAPI schema.
REST_SESSION = """
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
User.objects.create_user("ann", password="pw")
bob = User.objects.create_user("bob", password="pw")
client = Client()
client.login(username="ann", password="pw")
for method, url in [
    ("post", f"objects/user/{bob.pk}/follow/"),
    ("get", f"objects/user/{bob.pk}/followers/"),
    ("get", "timeline/"),
    ("get", "schema/"),
]:
    answer = getattr(client, method)("/api/sequere/" + url)
    print("ANSWER", method, url, answer.status_code, answer.content[:80])
"""


def test_the_rest_extra_alone_serves_the_documented_api(built, tmp_path: Path):
    """docs/rest.rst as a new user follows it: ``pip install 'django-sequere[rest]'`` (no Redis,
    no Celery), its settings block (every line of it, the timeline app among the apps) and URL
    include in a fresh ``startproject``; ``manage.py check`` passes (the Redis timeline default
    made it fail with sequere.E102 before the page named the database timeline) and the API
    answers."""
    python, bin_dir = venv_with(built[0], "rest", tmp_path)
    made = shell(python, docs_project(python, bin_dir, "docs/rest.rst", tmp_path), REST_SESSION)
    codes = re.findall(r"^ANSWER (\w+) (\S+) (\d+)", made, re.M)
    assert [code for *_, code in codes] == ["201", "200", "200", "200"], made
