"""HTTP/1.1 building blocks of the ``fast`` transport: the bounded connection pool and the incremental
chunked-transfer decoder.

The pool looks ``threading`` and ``select`` up at call time, so under gevent's monkey patching its locks
and probes are green; it never holds its lock across a blocking call.
"""

from __future__ import annotations

import collections
import socket
import threading
from time import perf_counter

STALE_CHECK_IDLE_S = 1.0  # idle keep-alive connections older than this are probed before reuse


class Conn:
    __slots__ = ("sock", "idle_since", "timeout")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.idle_since = 0.0
        self.timeout: float | None = -1.0

    def settimeout(self, t: float) -> None:
        if t != self.timeout:
            self.sock.settimeout(t)
            self.timeout = t

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def is_stale(self) -> bool:
        """An idle keep-alive connection that is readable was closed by the server (or is garbage)."""
        import select

        try:
            r, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(r)


class _Waiter:
    __slots__ = ("lock", "done", "conn")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.done = False
        self.conn: Conn | None = None  # None with done=True: a connection slot was handed over


class PoolTimeout(Exception):
    pass


class ConnPool:
    """Bounded pool: at most ``max_connections`` open (or opening) connections; FIFO hand-off to waiters.

    ``acquire`` returns an idle connection, or None meaning "you own a slot: open a connection" (then call
    ``put``/``discard`` when done with it). Idle connections are reused LIFO; at most ``max_keepalive``
    are kept.
    """

    def __init__(self, max_connections: int, max_keepalive: int) -> None:
        self.max = max(1, max_connections)
        self.max_keepalive = max_keepalive
        self._lock = threading.Lock()
        self._idle: list[Conn] = []
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self.total = 0  # open + opening connections (slots taken)
        self.opened = 0  # connections ever opened (for tests/diagnostics)

    def acquire(self, timeout: float) -> Conn | None:
        with self._lock:
            idle = self._idle
            while idle:
                conn = idle.pop()
                if perf_counter() - conn.idle_since > STALE_CHECK_IDLE_S and conn.is_stale():
                    conn.close()
                    self.total -= 1
                    continue
                return conn
            if self.total < self.max:
                self.total += 1
                return None
            w = _Waiter()
            self._waiters.append(w)
        try:
            got = w.lock.acquire(timeout=max(timeout, 0.0))
        except BaseException:  # killed while waiting (GreenletExit when Locust stops users): leave no trace
            with self._lock:
                if not w.done:
                    self._waiters.remove(w)
                    raise
            if w.conn is not None:
                self.put(w.conn)
            else:
                self.discard(None)
            raise
        with self._lock:
            if w.done:  # handed over, possibly just as the wait timed out
                return w.conn
            self._waiters.remove(w)
        if got:  # pragma: no cover - cannot happen: release only after done=True
            return w.conn
        raise PoolTimeout

    def put(self, conn: Conn) -> None:
        """Return a healthy connection (response fully read, keep-alive)."""
        with self._lock:
            if self._waiters:
                w = self._waiters.popleft()
                w.conn = conn
                w.done = True
                w.lock.release()
                return
            if len(self._idle) < self.max_keepalive:
                conn.idle_since = perf_counter()
                self._idle.append(conn)
                return
            self.total -= 1
        conn.close()

    def discard(self, conn: Conn | None) -> None:
        """Give back a slot whose connection is closed (or was never opened)."""
        if conn is not None:
            conn.close()
        with self._lock:
            if self._waiters:
                w = self._waiters.popleft()
                w.conn = None
                w.done = True
                w.lock.release()
                return
            self.total -= 1

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self.total -= len(idle)
        for c in idle:
            c.close()


class Chunked:
    """Incremental ``Transfer-Encoding: chunked`` decoder."""

    __slots__ = ("buf", "remaining", "state", "done")

    def __init__(self) -> None:
        self.buf = b""
        self.remaining = 0
        self.state = 0  # 0 size line, 1 data, 2 CRLF after data, 3 trailers
        self.done = False

    def feed(self, data: bytes) -> bytes:
        buf = self.buf + data if self.buf else data
        n = len(buf)
        pos = 0
        out = []
        while pos < n:
            st = self.state
            if st == 1:
                take = self.remaining if self.remaining <= n - pos else n - pos
                out.append(buf[pos : pos + take] if (pos or take != n) else buf)
                pos += take
                self.remaining -= take
                if not self.remaining:
                    self.state = 2
            elif st == 0:
                j = buf.find(b"\n", pos)
                if j < 0:
                    break
                line = buf[pos:j]
                pos = j + 1
                size = int(line.split(b";", 1)[0].strip(), 16)  # ValueError -> bad encoding
                if size:
                    self.remaining = size
                    self.state = 1
                else:
                    self.state = 3
            elif st == 2:
                j = buf.find(b"\n", pos)
                if j < 0:
                    break
                pos = j + 1
                self.state = 0
            else:
                j = buf.find(b"\n", pos)
                if j < 0:
                    break
                line = buf[pos:j]
                pos = j + 1
                if line in (b"", b"\r"):
                    self.done = True
                    break
        self.buf = buf[pos:] if pos < n else b""
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)
