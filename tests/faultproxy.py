"""A TCP proxy between a client and a real server that can hold, or cut, what passes through.

Pure Python: one thread accepts, two threads per connection pump bytes each way. It can

* :meth:`FaultProxy.pause` - hold every byte in both directions (a server that stopped
  answering; what was sent reaches the server once :meth:`FaultProxy.resume` lets it through);
* :meth:`FaultProxy.cut_reply` - forward the next request that contains a marker (``EVALSHA``),
  then close the client's connection instead of forwarding the reply: the server has run the
  request, the client never learns it.

Redis Cluster: put one proxy before each node and give the client ``address_remap=`` (redis-py's
public option) so that the nodes it discovers are reached through their proxies.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field


@dataclass
class _Pair:
    client: socket.socket
    upstream: socket.socket
    #: set once a request holding the cut marker went up: the next reply is dropped
    cut_armed: bool = False
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for sock in (self.client, self.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class FaultProxy:
    """Forwards ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>``; see the module doc."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.pairs: list[_Pair] = []
        self._cut_marker: bytes | None = None
        self._cuts_left = 0
        #: replies dropped by :meth:`cut_reply` so far
        self.cuts = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    # -- faults ------------------------------------------------------------------------------
    def pause(self) -> None:
        """Hold every byte from now on, both ways (new connections are accepted, then held too)."""
        self.flowing.clear()

    def resume(self) -> None:
        """Let held and new bytes through again."""
        self.flowing.set()

    def cut_reply(self, marker: bytes = b"EVALSHA", times: int = 1) -> None:
        """Drop the reply to the next ``times`` requests containing ``marker``, closing their
        client connection instead (the request itself reaches the server)."""
        with self._lock:
            self._cut_marker, self._cuts_left = marker, times

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self.flowing.set()
        self.sock.close()
        for pair in list(self.pairs):
            pair.close()

    # -- pumping -----------------------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            pair = _Pair(client, upstream)
            self.pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, False), daemon=True).start()

    def _pump(self, pair: _Pair, upward: bool) -> None:
        source, target = (pair.client, pair.upstream) if upward else (pair.upstream, pair.client)
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()
                if upward:
                    with self._lock:
                        if self._cut_marker and self._cuts_left and self._cut_marker in data:
                            self._cuts_left -= 1
                            pair.cut_armed = True
                elif pair.cut_armed:
                    self.cuts += 1
                    break  # the server answered; the client never gets it
                target.sendall(data)
        except OSError:
            pass
        pair.close()
