"""`publisher doctor` and the JavaScript runtime builds give yt-dlp, under cron's PATH."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import time
from datetime import date

import deno
from helpers.catalogs import REPO, run_publisher
from helpers.loopback import LoopbackServer, QuietHandler

from publisher.editor.doctor import POT_SERVER, challenge_check, ytdlp_check
from publisher.tools.ytdlp import client as ytdlp
from publisher.tools.ytdlp.toolchain import (
    TEST_PLAYER,
    expected_answers,
    js_toolchain,
    solve_test_challenges,
)

BARE_PATH = "/usr/bin:/bin"  # what cron gives a job


def test_ytdlp_configured_as_builds_configure_it_sees_the_runtime(monkeypatch):
    monkeypatch.setenv("PATH", BARE_PATH)
    ydl = ytdlp.CheckedYoutubeDL(ytdlp.ydl_params(None), allow_private=False)
    try:
        info = ydl._js_runtimes["deno"].info
    finally:
        ydl.close()
    assert info is not None and info.supported
    assert info.path == deno.find_deno_bin()
    toolchain = js_toolchain()
    assert toolchain.solver_problem is None and toolchain.solver.startswith("0.8")


def test_doctor_shows_the_toolchain_under_a_bare_path(shipped_catalog):
    env = {"PATH": BARE_PATH, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    done = run_publisher("doctor", cwd=shipped_catalog.parent, env=env)
    assert done.exit_code == 0, done.stdout
    lines = {line.split(":", 1)[0].split(None, 1)[1]: line for line in done.stdout.splitlines()}
    assert deno.find_deno_bin() in lines["js runtime"]
    assert "accepted by yt-dlp" in lines["yt-dlp-ejs"]
    assert "aac, libmp3lame, loudnorm" in lines["ffmpeg"]
    assert "valid, 3 series" in lines["catalog"]
    assert not (shipped_catalog.parent / ".publisher" / "state.db").exists()  # only looks


def test_doctor_json_and_exit_1_with_what_to_do(write_catalog, tmp_path):
    catalog = write_catalog(site={"language": "english!"})
    lacking = tmp_path / "ffmpeg"  # an ffmpeg build without the encoders a build uses
    lacking.write_text("#!/bin/sh\n[ \"$2\" = -version ] && echo 'ffmpeg version 4.0 x'\nexit 0\n")
    lacking.chmod(0o755)
    done = run_publisher("doctor", "--json", "--ffmpeg", str(lacking), cwd=catalog.parent)
    assert done.exit_code == 1
    checks = {check["name"]: check for check in json.loads(done.stdout)}
    assert checks["ffmpeg"]["status"] == "missing"
    assert "lacks encoder aac, encoder libmp3lame, filter loudnorm" in checks["ffmpeg"]["detail"]
    assert checks["ffmpeg"]["advice"]
    assert checks["catalog"]["status"] == "missing"
    assert checks["catalog"]["advice"] == "publisher validate"


def test_an_old_ytdlp_is_a_warning_with_the_upgrade_command():
    check = ytdlp_check(today=date(2099, 1, 1))
    assert check.status == "warning"
    assert "days old" in check.detail
    assert check.advice == (
        "YouTube breaks old versions: upgrade with pip install -U 'yt-dlp[default]'"
    )


# The challenge solver at work -----------------------------------------------------------


def test_doctor_solves_a_challenge_under_a_bare_path(shipped_catalog):
    env = {"PATH": BARE_PATH, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    done = run_publisher("doctor", "--json", cwd=shipped_catalog.parent, env=env)
    checks = {check["name"]: check for check in json.loads(done.stdout)}
    solver = checks["js challenge solver"]
    assert solver["status"] == "ok", solver
    assert re.fullmatch(r"solved in \d+\.\d s", solver["detail"])


def test_the_test_challenge_is_solved_with_answers_computed_here():
    assert expected_answers("abc1", "xyz%2F") == ("1cba", "yz%2Fx")  # reversed; rotated
    trial = solve_test_challenges()
    assert trial.problem is None and 0 < trial.seconds < 30


def test_a_player_the_solver_does_not_understand_fails_the_check():
    player = TEST_PLAYER.read_text(encoding="utf-8")
    # without the call yt-dlp-ejs recognises YouTube's URL function by, it finds nothing
    unrecognised = solve_test_challenges(player.replace('"alr", "yes"', '"alt", "no"'))
    assert unrecognised.problem
    # a player whose n function answers something else: a wrong answer is no pass
    wrong = solve_test_challenges(player.replace("reverse(this.params.n)", "this.params.n"))
    assert wrong.problem and "wrong answers" in wrong.problem
    line = challenge_check(player.replace('"alr", "yes"', '"alt", "no"')).line()
    assert line.startswith("MISSING js challenge solver: deno with yt-dlp-ejs did not solve")
    assert "pip install -U 'yt-dlp[default]' deno" in line


def test_a_solver_that_never_answers_is_stopped_with_deno(tmp_path):
    """yt-dlp waits for deno without a limit: a player that loops (or a deno that hangs)
    must not hold doctor, nor leave deno running."""
    player = TEST_PLAYER.read_text(encoding="utf-8")
    looping = player.replace("if (this.params.n) this.params.n", "while (true) {} this.params.n")
    assert looping != player
    started = time.monotonic()
    trial = solve_test_challenges(looping, seconds=3)
    assert trial.problem == "no answer within 3 s"
    assert time.monotonic() - started < 15
    line = challenge_check(looping, seconds=3).line()
    assert "did not solve a test challenge: no answer within 3 s" in line


# PO tokens --------------------------------------------------------------------------------

POT_PORT = 4416  # where bgutil-ytdlp-pot-provider's plugin looks for its server


class PingHandler(QuietHandler):
    def do_GET(self):
        body = json.dumps({"version": self.server.version, "server_uptime": 1}).encode()
        self.send_response(200 if self.path == "/ping" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def po_token_line(catalog, env=None) -> dict:
    done = run_publisher("doctor", "--json", cwd=catalog.parent, env=env)
    return {check["name"]: check for check in json.loads(done.stdout)}["po token"]


def test_without_a_po_token_plugin_doctor_says_when_one_is_needed(shipped_catalog):
    line = po_token_line(shipped_catalog, env={"YTDLP_NO_PLUGINS": "1"})  # yt-dlp loads none
    assert line["status"] == "ok"
    assert line["detail"].startswith("no provider plugin (needed only when YouTube asks")
    assert "format 18" in line["detail"]


def test_the_installed_bgutil_plugin_and_its_server_version(shipped_catalog):
    plugin = importlib.metadata.version("bgutil-ytdlp-pot-provider")
    down = po_token_line(shipped_catalog)  # nothing listens on 4416 yet
    assert down["status"] == "warning" and "bgutil:http" in down["detail"]
    assert f"brainicism/bgutil-ytdlp-pot-provider:{plugin}" in down["advice"]
    with LoopbackServer(PingHandler, port=POT_PORT) as server:
        server.httpd.version = plugin
        same = po_token_line(shipped_catalog)
        server.httpd.version = "1.0.0"
        other = po_token_line(shipped_catalog)
    assert same["status"] == "ok"
    assert f"{plugin}; server {plugin} at http://127.0.0.1:4416" in same["detail"]
    assert other["status"] == "warning" and "not the plugin's version" in other["detail"]
    assert "bgutil-ytdlp-pot-provider==1.0.0" in other["advice"]


class TrickleHandler(QuietHandler):
    """Whatever may listen on the PO-token port: it answers, a byte a second, forever."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        while True:
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(1)


def test_a_po_token_server_that_never_finishes_answering_does_not_hold_doctor(shipped_catalog):
    with LoopbackServer(TrickleHandler, port=POT_PORT):
        started = time.monotonic()
        done = run_publisher("doctor", "--json", cwd=shipped_catalog.parent, timeout=60)
        seconds = time.monotonic() - started
    line = {check["name"]: check for check in json.loads(done.stdout)}["po token"]
    assert line["status"] == "warning" and "still sending after 5 s" in line["detail"]
    assert seconds < 30


def test_the_po_token_server_command_is_the_readmes_on_loopback_only():
    command = POT_SERVER.format(version="2.0.2")
    assert "-p 127.0.0.1:4416:4416" in command  # a token server open to the network is not
    assert command in (REPO / "README.md").read_text(encoding="utf-8")


def test_a_po_token_servers_version_cannot_drive_the_terminal(shipped_catalog):
    with LoopbackServer(PingHandler, port=POT_PORT) as server:
        server.httpd.version = "2.0\x1b]0;owned\x07\n" + "9" * 1000
        done = run_publisher("doctor", cwd=shipped_catalog.parent)
    line = next(line for line in done.stdout.splitlines() if line.startswith("warning po token"))
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "server 2.0]0;owned 999" in line and len(line) < 400
