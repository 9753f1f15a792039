"""`publisher doctor` and the JavaScript runtime builds give yt-dlp, under cron's PATH."""

from __future__ import annotations

import json
import os
from datetime import date

import deno
from helpers.catalogs import run_publisher

from publisher.editor.doctor import ytdlp_check
from publisher.tools.ytdlp import client as ytdlp
from publisher.tools.ytdlp.toolchain import js_toolchain

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
