"""The network's new pages in Chromium: the landing page grouped by language, the
all-talks page and a series page naming the shows it recommends pass axe-core, and
their links lead where they say."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from helpers.media import make_audio
from helpers.sites import make_network
from test_browser import VIEWPORTS, browser, screenshot  # noqa: F401  (browser: a fixture)

from publisher.deliver.serve import make_server_for
from publisher.render.pages import render_pages

pytestmark = pytest.mark.browser

PAGES = {
    "network-landing": "/",
    "network-all-talks": "/all/",
    "network-spanish-series": "/revolucion-espanola/",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("network")
    run = make_network(tmp, audio_source=make_audio(tmp / "tone.m4a", seconds=3))
    render_pages(run)
    run.state.close()
    server = make_server_for(run.out, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_every_new_page_passes_axe_core(browser, site, name, viewport, scheme):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    page.goto(site + PAGES[name], wait_until="load")
    results = Axe().run(page)
    screenshot(page, f"{name}-{viewport}-{scheme}.png")
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_from_the_landing_page_to_the_all_talks_page_and_a_recommended_show(browser, site):  # noqa: F811
    page = browser.new_page()
    page.goto(site + "/", wait_until="load")
    assert page.locator(".language-group h3").all_inner_texts() == ["English", "Español"]
    page.locator("#series-all h3 a").click()
    page.wait_for_url("**/all/index.html")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".recommends a[lang=es]").click()
    page.wait_for_url("**/revolucion-espanola/index.html")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".episode h3").all_inner_texts() == ["Barcelona 1936"]
    page.close()
