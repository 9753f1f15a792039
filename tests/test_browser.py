"""The pages in a real browser: headless Chromium, served by `publisher serve`'s app.

Screenshots of every page, at desktop and phone widths in light and dark, are kept in
test-artifacts/ (gitignored) for a person to look at, and axe-core checks each of them.
Every request to a host other than the test server is blocked and counted: the pages
must work with no CDN and no outside service.
"""

from __future__ import annotations

import dataclasses
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest
from axe_playwright_python.sync_playwright import Axe
from helpers.media import make_audio
from helpers.sites import make_site
from playwright.sync_api import expect, sync_playwright

from publisher.deliver.serve import make_server_for
from publisher.model import Chapter, MediaFile
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
EPISODE_NUMBERS = {"april-theses": 3, "july-days": 4, "same-day": 5}
APRIL_SUMMARY = "The April Theses, read aloud.\n0:00 Opening\n0:03 All power\n\nHe turns at 0:04."


def make_video(path: Path, seconds: float) -> Path:
    """H.264 and AAC in MP4, as the extract stage publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
               "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate=10:duration={seconds}",
               "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path)]  # fmt: skip
    subprocess.run(command, check=True)
    return path


def make_image(path: Path, color: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"color=c={color}:size=300x300", "-frames:v", "1", str(path)]
    subprocess.run(command, check=True)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """A rendered site with real audio, video and cover art, served on 127.0.0.1.

    The series is serial and numbered; "july-days" has a video, chapters, a transcript
    and a hostile summary; "april-theses" lists chapters in its summary that disagree
    with its source's; the second series has no episode yet.
    """
    tmp = tmp_path_factory.mktemp("browser")
    audio = make_audio(tmp / "tone.m4a", seconds=6)
    run = make_site(tmp, audio_source=audio, site_image="media/cover-0123abcd.png")
    series = run.catalog.series[SERIES]
    run.catalog.series[SERIES] = dataclasses.replace(series, type="serial")
    make_image(run.out / "media/cover-0123abcd.png", "darkred")
    art = make_image(run.out / "media" / SERIES / "july-days.jpg", "navy")
    july, april = run.items[0], run.items[1]
    july.image = MediaFile(f"media/{SERIES}/july-days.jpg", art.stat().st_size, "image/jpeg")
    video = make_video(run.out / "media" / SERIES / "july-days.mp4", seconds=6)
    july.video = MediaFile(f"media/{SERIES}/july-days.mp4", video.stat().st_size, "video/mp4", 6.0)
    april.chapters = (Chapter(0.0, "Opening"), Chapter(1.0, "Dual power"), Chapter(3.0, "All"))
    for item in run.items:
        number = EPISODE_NUMBERS.get(item.id)
        summary = APRIL_SUMMARY if item is april else item.entry.summary
        item.entry = dataclasses.replace(item.entry, episode=number, summary=summary)
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
    page.locator(f"#series-{SERIES} h3 a").click()
    page.wait_for_url(f"**/{SERIES}/index.html")
    watched.assert_clean()


def test_empty_series_offers_no_subscription(watched, site):
    page = watched.page
    page.goto(site + "/", wait_until="load")
    card = page.locator("#series-empty-series")
    assert "No episodes yet" in card.locator(".meta").inner_text()
    assert card.locator(".subscribe, input, button").count() == 0
    assert page.locator(f"#series-{SERIES} .feed").count() == 2
    page.goto(site + "/empty-series/", wait_until="load")
    assert page.locator(".episodes").inner_text().endswith("No episodes yet.")
    assert page.locator(".subscribe, .apps a, input").count() == 0
    watched.assert_clean()


def test_serial_series_page_lists_episodes_by_number(watched, site):
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    assert page.locator(".episode .number").all_inner_texts() == [
        "EPISODE 3",  # shown in capitals by the stylesheet
        "EPISODE 4",
        "EPISODE 5",
    ]
    assert page.locator(".episode h3").all_inner_texts() == [
        "The April Theses",
        "July Days <em>&</em> after",
        "Same day, later id",
    ]
    watched.assert_clean()


def test_video_feed_has_its_own_labelled_subscribe_row(watched, site):
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    video = page.get_by_role("group", name="Video podcast")
    apps = ["Apple Podcasts", "Pocket Casts", "AntennaPod", "RSS"]
    assert video.get_by_role("link").count() == len(apps)
    for app in apps:  # each named for what it subscribes to, for a screen reader's list
        expect(video.get_by_role("link", name=f"{app} (video)", exact=True)).to_be_visible()
    url = f"https://feeds.example.org/{SERIES}/video.xml"
    expect(video.get_by_role("link", name="Apple Podcasts (video)")).to_have_attribute(
        "href", f"podcast://feeds.example.org/{SERIES}/video.xml"
    )
    expect(page.get_by_label("Video podcast feed URL")).to_have_value(url)
    audio = page.get_by_role("group", name="Audio podcast")
    expect(audio.get_by_role("link", name="Overcast (audio)", exact=True)).to_be_visible()
    watched.assert_clean()


def test_players_and_url_boxes_have_names_of_their_own(watched, site):
    """What a screen reader announces: the box by its label alone, each player by its talk."""
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    box = page.get_by_label("Audio podcast feed URL", exact=True)
    expect(box).to_have_value(f"https://feeds.example.org/{SERIES}/podcast.xml")
    expect(page.get_by_label("Audio: The April Theses", exact=True)).to_have_count(1)
    july = page.get_by_label("Video: July Days <em>&</em> after", exact=True)
    expect(july).to_have_js_property("tagName", "VIDEO")
    watched.assert_clean()


def current_time(player) -> float:
    return player.evaluate("a => a.currentTime")


def is_paused(player) -> bool:
    return player.evaluate("a => a.paused")


def wait_playing_from(page, player, start: float) -> None:
    page.wait_for_function(
        f"a => !a.paused && a.currentTime >= {start} && a.currentTime < {start + 1.5}",
        arg=player.element_handle(),
        timeout=5000,
    )


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
    wait_playing_from(page, audio, 2.5)
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
    watched.assert_clean()


def test_one_player_at_a_time_and_links_seek_the_last_used(watched, site):
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    july = page.locator("#episode-july-days")
    audio, video = july.locator("audio"), july.locator("video")
    other = page.locator("#episode-april-theses audio")

    other.evaluate("a => a.play()")
    wait_playing_from(page, other, 0)
    audio.evaluate("a => a.play()")  # starting one player pauses every other
    wait_playing_from(page, audio, 0)
    assert is_paused(other)

    july.locator("details.video summary").click()
    video.evaluate("v => v.play()")
    page.wait_for_function("v => v.currentTime > 0.5", arg=video.element_handle(), timeout=5000)
    assert is_paused(audio) and is_paused(other)

    # The visitor pauses the video: a chapter link still means the video, not the audio.
    video.evaluate("v => v.pause()")
    july.locator('.chapters a[data-start="2.500"]').click()
    wait_playing_from(page, video, 2.5)
    assert is_paused(audio)

    # Back to the audio: the transcript now seeks the audio, and the video stops.
    audio.evaluate("a => a.play()")
    july.locator("details.transcript summary").click()
    july.locator('.transcript a[data-start="1.500"]').click()
    wait_playing_from(page, audio, 1.5)
    assert is_paused(video)
    watched.assert_clean()


def test_summary_timestamps_seek_and_one_chapter_list_is_shown(watched, site):
    page = watched.page
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    april = page.locator("#episode-april-theses")
    assert april.locator("ol.chapters").count() == 1
    assert april.locator("ol.chapters li").all_text_contents() == [
        "0:00:00 Opening",
        "0:00:01 Dual power",
        "0:00:03 All",
    ]
    summary = april.locator(".summary")
    assert summary.inner_text() == "The April Theses, read aloud.\n\nHe turns at 0:04."
    summary.get_by_role("link", name="0:04").click()
    wait_playing_from(page, april.locator("audio"), 4.0)
    assert page.url.endswith(f"/{SERIES}/")
    watched.assert_clean()


def test_copy_button_copies_the_feed_url_and_resets(browser, site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    row = page.get_by_role("group", name="Video podcast")
    row.get_by_role("button", name="Copy").click()
    status = row.get_by_role("status")
    expect(status).to_have_text("Copied")  # set once the clipboard promise resolves
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"https://feeds.example.org/{SERIES}/video.xml"
    expect(status).to_have_text("", timeout=5000)  # and gone again a moment later
    context.close()


def test_without_javascript_links_open_the_audio_and_no_dead_button(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/{SERIES}/", wait_until="load")
    assert page.locator("button:visible").count() == 0  # copying needs the script
    link = page.locator('#episode-july-days .chapters a[data-start="2.500"]')
    assert link.get_attribute("href") == f"../media/{SERIES}/july-days.m4a#t=2.500"
    assert page.get_by_label("Audio podcast feed URL").is_editable() is False
    context.close()


PAGES = {"landing": "/", "series": f"/{SERIES}/", "empty": "/empty-series/"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe_core(browser, site, axe, name, viewport, scheme):
    """Zero axe-core violations; the screenshot is kept for a person to look at."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    page.goto(site + PAGES[name], wait_until="load")
    for details in page.locator("details").all():  # check what opening them shows too
        details.evaluate("d => d.open = true")
    page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => {})))")
    results = axe.run(page)
    screenshot(page, f"{name}-{viewport}-{scheme}.png")
    context.close()
    assert results.violations_count == 0, results.generate_report()
