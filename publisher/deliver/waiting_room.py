"""The HTTP server behind `publisher serve`: bounded threads, however many clients connect.

werkzeug's threaded server starts a thread per connection at once and waits for the
request without a time limit, so connections that never send one (a port scanner, a
phone gone to sleep, or someone who means harm, since `--host 0.0.0.0` puts it on the
network) each hold a thread forever. Here a new connection waits in the waiting room,
costing no thread, until its whole request head has arrived (looked at with a peek: a
client trickling its headers, slowloris, costs no thread either); only then does it get
one, and at most `MAX_HANDLERS` at once. A connection silent for `READ_TIMEOUT`, or whose
head takes longer than `HEAD_DEADLINE`, is closed, and beyond `MAX_WAITING` the oldest
waiting connection makes room for the new one.
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
MAX_WAITING = 512  # connections waiting for a whole request head; beyond, the oldest goes
HEAD_POLL = 0.2  # seconds between looks at connections whose head is arriving
MAX_HEAD = 64 * 1024  # bytes of a head looked at; a larger one is the handler's to refuse
# A head ends with an empty line: CRLF CRLF, or bare LFs, which http.server accepts too.
HEAD_ENDS = (b"\n\r\n", b"\n\n")
COMPLETE, PARTIAL, CLOSED = "complete", "partial", "closed"


def head_state(request: socket.socket) -> str:
    """Whether the client has sent a whole request head, part of one, or hung up: a peek,
    which leaves every byte for the handler to read."""
    try:
        data = request.recv(MAX_HEAD, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return PARTIAL
    except OSError:
        return CLOSED
    if not data:
        return CLOSED
    return COMPLETE if len(data) >= MAX_HEAD or any(e in data for e in HEAD_ENDS) else PARTIAL


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
        # silent: no byte yet, watched by the selector; arriving: part of a request head,
        # looked at again every HEAD_POLL (the selector would report it ready at once)
        silent: dict[socket.socket, tuple[object, float]] = {}
        arriving: dict[socket.socket, tuple[object, float]] = {}
        ready: deque[tuple[socket.socket, object]] = deque()  # a whole head, no slot yet
        looked = 0.0
        with selectors.DefaultSelector() as room:
            room.register(self._wake_reader, selectors.EVENT_READ)
            while not self._closing.is_set():
                for key, _ in room.select(timeout=HEAD_POLL if arriving else 1.0):
                    if key.fileobj is self._wake_reader:
                        self._wake_reader.recv(4096)
                    else:
                        room.unregister(key.fileobj)
                        arriving[key.fileobj] = silent.pop(key.fileobj)
                        self._sort(key.fileobj, arriving, ready)
                if time.monotonic() - looked >= HEAD_POLL:
                    looked = time.monotonic()
                    for request in list(arriving):
                        self._sort(request, arriving, ready)
                while ready and self._slots.acquire(blocking=False):
                    self._dispatch(*ready.popleft())
                self._let_in(room, silent, arriving)
                self._expire(room, silent, READ_TIMEOUT)
                self._expire(None, arriving, HEAD_DEADLINE)
                self._cut_slow_heads()
            for request in [*silent, *arriving, *(request for request, _ in ready)]:
                self.shutdown_request(request)

    def _sort(self, request, arriving, ready) -> None:
        """An arriving connection whose head is in goes to the queue for a handler; one
        that hung up is closed; the others keep arriving."""
        state = head_state(request)
        if state != PARTIAL:
            client_address, _ = arriving.pop(request)
            if state == COMPLETE:
                ready.append((request, client_address))
            else:
                self.shutdown_request(request)

    def _let_in(self, room, silent, arriving) -> None:
        while not self._arrivals.empty():
            request, client_address = self._arrivals.get()
            if len(silent) + len(arriving) >= MAX_WAITING:
                self._close_oldest(room, silent, arriving)
            silent[request] = (client_address, time.monotonic())
            room.register(request, selectors.EVENT_READ)

    def _close_oldest(self, room, silent, arriving) -> None:
        waiting = {**silent, **arriving}
        oldest = min(waiting, key=lambda request: waiting[request][1])
        if oldest in silent:
            room.unregister(oldest)
        (silent if oldest in silent else arriving).pop(oldest)
        self.shutdown_request(oldest)

    def _expire(self, room, waiting, seconds: float) -> None:
        """Close the connections of `waiting` that came over `seconds` ago (`room` is the
        selector watching them, if one does)."""
        too_old = time.monotonic() - seconds
        for request, (_, since) in list(waiting.items()):
            if since < too_old:
                if room is not None:
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
