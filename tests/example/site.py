"""Run the example site as a real process: migrate and seed a temporary SQLite file, then serve it.

The site is driven from outside, over HTTP, exactly as ``make demo`` runs it; its settings are its
own (``example/demo_site/settings.py``), not the suite's.
"""

from __future__ import annotations

import http.cookiejar
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "example"


def example_env(db_path: Path) -> dict[str, str]:
    """The environment of an example-site process: its own settings, ``db_path``, fast hashing."""
    env = {**os.environ, "SEQUERE_EXAMPLE_DB": str(db_path), "SEQUERE_EXAMPLE_FAST_PASSWORDS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(db_path: Path, *args: str) -> str:
    """Run ``manage.py <args>`` of the example site on ``db_path``; return its stdout."""
    env = {**example_env(db_path), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=EXAMPLE_DIR, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def row_counts(db_path: Path) -> dict[str, int]:
    """Rows in every table of the SQLite file (sessions excluded)."""
    with sqlite3.connect(db_path) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in tables
            if table not in ("django_session", "sqlite_sequence")
        }


@dataclass
class ExampleServer:
    """The site under uvicorn (ASGI, as ``make demo`` serves it) on a free loopback port, serving
    ``db_path``."""

    db_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> ExampleServer:
        env = {**example_env(self.db_path), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "demo_site.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "2",
            ],  # fmt: skip
            cwd=EXAMPLE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the example site exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=1).close()
                return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the example site did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Browser:
    """A cookie-keeping HTTP client for the example site (no JavaScript): a logged-in visitor."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name == "csrftoken":
                return cookie.value
        self.get("/login/")
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str, str]:
        """``(status, final URL path, body)`` after redirects."""
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict[str, str], headers: dict[str, str] | None = None):
        """POST a form with the CSRF token; ``(status, final URL path, body)`` after redirects."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf_token(), **data}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=body, headers={"Referer": self.base_url + path, **(headers or {})}
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                final = urllib.parse.urlsplit(response.geturl())
                path = final.path + (f"?{final.query}" if final.query else "")
                return response.status, path, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, urllib.parse.urlsplit(error.geturl()).path, error.read().decode()

    def log_in(self, username: str, password: str) -> None:
        status, path, body = self.post("/login/", {"username": username, "password": password})
        assert (status, path) == (200, "/"), f"login as {username} failed: {status} {path}\n{body[:500]}"

    def sign_up(self, username: str, password: str = "s3cret-Passw0rd") -> None:
        status, path, body = self.post(
            "/signup/", {"username": username, "password1": password, "password2": password}
        )
        assert (status, path) == (200, "/"), f"sign-up as {username} failed: {status} {path}\n{body[:800]}"
