"""The HTTP server behind `publisher serve`: bounded threads, however many clients connect.

werkzeug's threaded server starts a thread per connection at once and waits for the
request without a time limit, so connections that never send one (a port scanner, a
phone gone to sleep, or someone who means harm, since `--host 0.0.0.0` puts it on the
network) each hold a thread forever. Here a new connection waits in one selector, the
waiting room, costing no thread; it gets one only when its request starts to arrive,
and at most `MAX_HANDLERS` at once. A connection silent for `READ_TIMEOUT` is closed,
in the waiting room and between reads alike, and beyond `MAX_WAITING` the oldest
waiting connection makes room for the new one.
"""

from __future__ import annotations

import queue
import selectors
import socket
import threading
import time
from collections import deque

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

READ_TIMEOUT = 10.0  # seconds a client may stay silent: before its request or mid-request
MAX_HANDLERS = 32  # requests served at once; more wait (costing no thread) for a turn
MAX_WAITING = 512  # connections waiting for their first byte; beyond, the oldest is closed


class TimedHandler(WSGIRequestHandler):
    timeout = READ_TIMEOUT  # each read of the request line, headers and body


class WaitingRoomServer(ThreadedWSGIServer):
    def __init__(self, *args, **kwargs):
        self._arrivals: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._slots = threading.BoundedSemaphore(MAX_HANDLERS)
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

    def _dispatch(self, request, client_address) -> None:
        """A thread for a connection whose request is arriving; its slot is taken."""

        def serve() -> None:
            try:
                self.process_request_thread(request, client_address)
            finally:
                self._slots.release()
                self._wake_writer.send(b"\0")  # a ready connection may take the slot

        threading.Thread(target=serve, daemon=True).start()
