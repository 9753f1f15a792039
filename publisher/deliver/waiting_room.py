"""The HTTP server behind `publisher serve`: bounded threads, however many clients connect.

werkzeug's threaded server starts a thread per connection at once and waits for the
request without a time limit, so connections that never send one (a port scanner, a
phone gone to sleep, or someone who means harm, since `--host 0.0.0.0` puts it on the
network) each hold a thread forever. Here a new connection waits in one selector, the
waiting room, costing no thread; it gets one only when its request starts to arrive,
and at most `MAX_HANDLERS` at once. A connection silent for `READ_TIMEOUT` is closed,
in the waiting room and between reads alike, one whose request head takes longer than
`HEAD_DEADLINE` too, and beyond `MAX_WAITING` the oldest waiting connection makes room
for the new one.
"""

from __future__ import annotations

import contextlib
import queue
import selectors
import socket
import threading
import time
from collections import deque

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

READ_TIMEOUT = 10.0  # seconds a client may stay silent: before its request or mid-request
HEAD_DEADLINE = 30.0  # seconds for a request line and headers, however they trickle in
MAX_HANDLERS = 32  # requests served at once; more wait (costing no thread) for a turn
MAX_WAITING = 512  # connections waiting for their first byte; beyond, the oldest is closed


class TimedHandler(WSGIRequestHandler):
    """Each read may take READ_TIMEOUT, and the whole request head HEAD_DEADLINE: a client
    that sends a header byte every few seconds (slowloris) would otherwise keep its
    handler, one of MAX_HANDLERS, for as long as it likes."""

    timeout = READ_TIMEOUT  # each read of the request line, headers and body

    def handle_one_request(self) -> None:
        self.server.head_started(self.connection)
        try:
            super().handle_one_request()
        finally:
            self.server.head_done(self.connection)

    def parse_request(self) -> bool:
        try:
            return super().parse_request()
        finally:
            self.server.head_done(self.connection)  # the response has its own timeouts


class WaitingRoomServer(ThreadedWSGIServer):
    def __init__(self, *args, **kwargs):
        self._arrivals: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._slots = threading.BoundedSemaphore(MAX_HANDLERS)
        self._heads: dict[socket.socket, float] = {}  # request heads arriving: since when
        self._heads_lock = threading.Lock()
        self._closing = threading.Event()
        self._room = threading.Thread(target=self._wait_for_requests, daemon=True)
        super().__init__(*args, **kwargs)  # werkzeug calls server_close() on the way
        self._closing.clear()
        self._room.start()

    def process_request(self, request, client_address) -> None:
        """Called by the accept loop: the connection waits, with no thread of its own."""
        self._arrivals.put((request, client_address))
        self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        self._closing.set()
        self._wake_writer.send(b"\0")
        if self._room.is_alive():
            self._room.join(timeout=5)
        super().server_close()

    def _wait_for_requests(self) -> None:
        waiting: dict[socket.socket, tuple[object, float]] = {}
        ready: deque[tuple[socket.socket, object]] = deque()  # arriving, no slot free yet
        with selectors.DefaultSelector() as room:
            room.register(self._wake_reader, selectors.EVENT_READ)
            while not self._closing.is_set():
                for key, _ in room.select(timeout=1.0):
                    if key.fileobj is self._wake_reader:
                        self._wake_reader.recv(4096)
                    else:
                        room.unregister(key.fileobj)
                        ready.append((key.fileobj, waiting.pop(key.fileobj)[0]))
                while ready and self._slots.acquire(blocking=False):
                    self._dispatch(*ready.popleft())
                self._let_in(room, waiting)
                self._expire(room, waiting)
                self._cut_slow_heads()
            for request in [*waiting, *(request for request, _ in ready)]:
                self.shutdown_request(request)

    def _let_in(self, room, waiting) -> None:
        while not self._arrivals.empty():
            request, client_address = self._arrivals.get()
            if len(waiting) >= MAX_WAITING:
                oldest = min(waiting, key=lambda r: waiting[r][1])
                room.unregister(oldest)
                del waiting[oldest]
                self.shutdown_request(oldest)
            waiting[request] = (client_address, time.monotonic())
            room.register(request, selectors.EVENT_READ)

    def _expire(self, room, waiting) -> None:
        too_old = time.monotonic() - READ_TIMEOUT
        for request, (_, since) in list(waiting.items()):
            if since < too_old:
                room.unregister(request)
                del waiting[request]
                self.shutdown_request(request)

    def head_started(self, connection: socket.socket) -> None:
        with self._heads_lock:
            self._heads[connection] = time.monotonic()

    def head_done(self, connection: socket.socket) -> None:
        with self._heads_lock:
            self._heads.pop(connection, None)

    def _cut_slow_heads(self) -> None:
        """Hang up on handlers still reading a head begun over HEAD_DEADLINE ago: their
        blocked read sees the connection end, and the handler's slot is free."""
        too_old = time.monotonic() - HEAD_DEADLINE
        # under the lock: a handler closes its connection only after head_done, so the
        # socket shut down here is still that handler's (a shutdown does not block)
        with self._heads_lock:
            slow = [connection for connection, since in self._heads.items() if since < too_old]
            for connection in slow:
                del self._heads[connection]
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, request, client_address) -> None:
        """A thread for a connection whose request is arriving; its slot is taken."""

        def serve() -> None:
            try:
                self.process_request_thread(request, client_address)
            finally:
                self._slots.release()
                self._wake_writer.send(b"\0")  # a ready connection may take the slot

        threading.Thread(target=serve, daemon=True).start()
