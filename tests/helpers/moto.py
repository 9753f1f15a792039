"""moto's S3 server in its own process on a free loopback port: real HTTP, no patched client.

Shared by the S3 tests and the publish benchmark (which must not import pytest).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def moto_server(recording: Path | None = None, timeout: float = 20) -> Iterator[str]:
    """Start moto's server and yield its endpoint URL; stop it on leaving.

    `recording` is where moto's request recorder writes (MOTO_RECORDER_FILEPATH).
    """
    port = free_port()
    env = dict(os.environ)
    if recording is not None:
        env["MOTO_RECORDER_FILEPATH"] = str(recording)
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, endpoint, timeout)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, endpoint: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1)
            return
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.05)


def aws_test_environment(scratch: Path) -> dict[str, str]:
    """Fake credentials and no shared AWS config of the machine: for moto, in any process."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
    }


UNSET_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


def use_test_credentials(monkeypatch, scratch: Path) -> None:
    """Fake credentials, and no shared AWS config of the machine running the tests."""
    for name, value in aws_test_environment(scratch).items():
        monkeypatch.setenv(name, value)
    for name in UNSET_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
