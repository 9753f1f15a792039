"""`publisher serve` facing the network: connections that never send a request cost no
thread, and a real request is still answered at once."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from publisher.deliver import serve as folder_server
from publisher.deliver.serve import make_server_for

IDLE = 1200


@pytest.fixture
def served(tmp_path):
    (tmp_path / "articles.xml").write_text("<rss version='2.0'><channel/></rss>")
    server = make_server_for(tmp_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def timed_get(port: int, path: str = "/articles.xml") -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status, time.monotonic() - started


def get_beside(served, connections: int, prepare) -> tuple[int, float, int]:
    """Open `connections`, run `prepare` on them, then GET: (status, seconds, how many more
    threads the process has)."""
    before = threading.active_count()
    sockets = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(connections)]
    try:
        prepare(sockets)
        status, took = timed_get(served.port)
        return status, took, threading.active_count() - before
    finally:
        for sock in sockets:
            sock.close()


def test_idle_connections_hold_no_threads_and_a_request_is_answered_at_once(served):
    status, took, threads = get_beside(served, IDLE, lambda _: time.sleep(1.0))
    print(f"{IDLE} idle connections: {threads} more threads, a GET answered in {took:.3f} s")
    assert status == 200
    assert took < 1.0
    assert threads <= 2  # the waiting room, and the request being answered


def test_requests_that_never_finish_hold_at_most_max_handlers_threads(served):
    before = threading.active_count()
    stuck = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(100)]
    try:
        for sock in stuck:  # a request line, then silence: each gets a thread, up to the cap
            sock.sendall(b"GET /articles.xml HTTP/1.1\r\n")
        time.sleep(1.0)
        threads = threading.active_count() - before
    finally:
        for sock in stuck:
            sock.close()
    print(f"100 unfinished requests: {threads} more threads")
    assert threads <= folder_server.MAX_HANDLERS + 1


def test_a_connection_that_stays_silent_is_closed(served, monkeypatch):
    monkeypatch.setattr(folder_server, "READ_TIMEOUT", 0.5)
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.settimeout(5)
        started = time.monotonic()
        assert sock.recv(1) == b""  # the server hung up on us
        assert time.monotonic() - started < 3


def test_a_request_head_that_trickles_in_is_cut_at_its_deadline(served, monkeypatch):
    """Slowloris: a header byte every 0.2 s never trips the read timeout, but the head as
    a whole has a deadline, and the handler it held is free again."""
    monkeypatch.setattr(folder_server, "HEAD_DEADLINE", 1.0)
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /articles.xml HTTP/1.1\r\n")
        started = time.monotonic()
        try:
            while time.monotonic() - started < 10:
                sock.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            pass  # the server hung up while we were still sending
        took = time.monotonic() - started
    print(f"a trickled request head was cut after {took:.1f} s (deadline 1 s)")
    assert took < 3
    assert timed_get(served.port)[0] == 200


def test_more_trickling_heads_than_handlers_hold_no_thread(served):
    """Slowloris with more connections than there are handlers: each keeps sending a
    header byte, none has a whole head, so none gets a thread, and a GET is answered."""

    def trickle(attackers):
        for sock in attackers:
            sock.sendall(b"GET /articles.xml HTTP/1.1\r\nHost: x\r\n")
        for _ in range(5):  # a byte of a header from each, every 0.2 s
            for sock in attackers:
                sock.sendall(b"X")
            time.sleep(0.2)

    status, took, threads = get_beside(served, 100, trickle)
    print(f"100 trickling heads: {threads} more threads, a GET answered in {took:.3f} s")
    assert status == 200
    assert took < 1.0
    assert threads <= 2  # the waiting room, and the request being answered
