"""The pages in a real browser: headless Chromium, served by `publisher serve`'s app.

Screenshots of both pages are kept in test-artifacts/ (gitignored) for a person to look at.
Every request to a host other than the test server is blocked and counted: the pages
must work with no CDN and no outside service.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest
from playwright.sync_api import expect, sync_playwright
from test_pages import make_audio, make_site

from publisher.deliver.serve import make_server_for
from publisher.model import MediaFile
from publisher.render.pages import render_pages

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SERIES = "russian-revolution-1917"


def make_image(path: Path, color: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"color=c={color}:size=300x300", "-frames:v", "1", str(path)]
    subprocess.run(command, check=True)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """A rendered site with real audio and cover art, served on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("browser")
    audio = make_audio(tmp / "tone.m4a", seconds=6)
    run = make_site(tmp, audio_source=audio, site_image="media/cover-0123abcd.png")
    make_image(run.out / "media/cover-0123abcd.png", "darkred")
    art = make_image(run.out / "media" / SERIES / "july-days.jpg", "navy")
    run.items[0].image = MediaFile(
        f"media/{SERIES}/july-days.jpg", art.stat().st_size, "image/jpeg"
    )
    run.items[0].video = None  # video players are not what this test is about
    render_pages(run)
    server = make_server_for(run.out, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    # Never skipped: without the browser the pages are untested (apt-get install chromium).
    assert CHROMIUM.exists(), "the page tests need Debian's chromium at /usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page with everything that must not happen recorded: errors, dialogs, outside requests."""

    def __init__(self, browser, origin: str):
        self.page = browser.new_page(viewport={"width": 420, "height": 900})  # a phone
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", lambda route: self._route(route, origin))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route, origin: str) -> None:
        url = route.request.url
        if url.startswith((origin + "/", "data:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.outside == []
        assert self.page.title() != "pwned"


@pytest.fixture
def watched(browser, site) -> Iterator[Watched]:
    watched = Watched(browser, site)
    yield watched
    watched.page.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_landing_page_lists_every_series(watched, site):
    page = watched.page
    page.goto(site + "/", wait_until="load")
    titles = page.locator(".series-list .series h3").all_inner_texts()
    assert titles == ['1917: The "Russian" Revolution', "Nothing yet"]
    cover = page.locator(f"#series-{SERIES} img.cover")
    # covers load lazily, possibly after the page's load event: wait for this one
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=cover.element_handle()
    )
    assert cover.evaluate("img => img.naturalWidth") == 300
    assert page.locator(".article h3").all_inner_texts() == ["An article <script>x</script>"]
    screenshot(page, "index.png")
    page.locator(f"#series-{SERIES} h3 a").click()
    page.wait_for_url(f"**/{SERIES}/index.html")
    watched.assert_clean()


def current_time(audio) -> float:
    return audio.evaluate("a => a.currentTime")


def test_series_page_plays_seeks_and_shows_the_transcript(watched, site):
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    episode = page.locator("#episode-july-days")
    audio = episode.locator("audio")
    assert audio.evaluate("a => a.canPlayType('audio/mp4; codecs=\"mp4a.40.2\"')") != ""

    # Plays for a second: currentTime advances.
    audio.evaluate("a => a.play()")
    page.wait_for_function("a => a.currentTime > 1.0", arg=audio.element_handle(), timeout=5000)
    assert audio.evaluate("a => a.error") is None

    # A chapter link seeks the player (and keeps it playing).
    episode.locator('.chapters a[data-start="2.500"]').click()
    page.wait_for_function(
        "a => a.currentTime >= 2.5 && a.currentTime < 4", arg=audio.element_handle(), timeout=3000
    )
    assert page.url.endswith(f"/{SERIES}/")  # the click seeked; it did not navigate

    # The transcript is there, collapsed, and its timestamps seek too.
    transcript = episode.locator("details.transcript")
    assert not transcript.locator("ol").is_visible()
    transcript.locator("summary").click()
    assert "Comrades & friends, welcome." in transcript.inner_text()
    audio.evaluate("a => a.pause()")
    transcript.locator('a[data-start="0.000"]').click()
    page.wait_for_function("a => a.currentTime < 1.5", arg=audio.element_handle(), timeout=3000)

    # The hostile summary is shown as harmless text.
    summary = episode.locator(".summary")
    assert "Before" in summary.inner_text() and "bold" in summary.inner_text()
    assert summary.locator("script, img, [onerror]").count() == 0
    screenshot(page, "series.png")
    watched.assert_clean()


def test_copy_button_copies_the_feed_url(browser, site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    button = page.locator(".subscribe button[data-copy]")
    button.click()
    expect(button).to_have_text("Copied")  # set once the clipboard promise resolves
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"https://feeds.example.org/{SERIES}/podcast.xml"
    context.close()
