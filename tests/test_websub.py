"""WebSub pings, against a tiny hub on 127.0.0.1 that records what it is told."""

from __future__ import annotations

import logging
import socket

from helpers.catalogs import ARTICLE, run_publisher
from helpers.loopback import serving
from helpers.recorders import RecordingHub, hub_url

from publisher.deliver.websub import ping_hubs

FEEDS = ["https://feeds.example.org/talks/podcast.xml", "https://feeds.example.org/articles.atom"]


def dead_url() -> str:
    """A loopback port nobody listens on: the connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hub"


def test_each_feed_is_announced_to_the_hub(hub):
    problems = ping_hubs((hub_url(hub),), FEEDS, timeout=5, allow_private=True)

    assert problems == []
    assert [path for path, _, _ in hub.pings] == ["/hub", "/hub"]
    assert {ctype for _, ctype, _ in hub.pings} == {"application/x-www-form-urlencoded"}
    assert [form for _, _, form in hub.pings] == [
        {"hub.mode": ["publish"], "hub.url": [feed]} for feed in FEEDS
    ]


def test_dead_hub_is_a_logged_problem_and_the_next_hub_still_hears(hub, caplog):
    dead = dead_url()
    with caplog.at_level(logging.WARNING, logger="publisher.deliver.websub"):
        problems = ping_hubs((dead, hub_url(hub)), FEEDS, timeout=5, allow_private=True)

    assert len(problems) == 1 and dead in problems[0] and "unreachable" in problems[0]
    assert dead in caplog.text
    assert len(hub.pings) == 2


def test_hub_refusing_the_ping_is_a_problem_per_feed(hub):
    hub.status = 400
    problems = ping_hubs((hub_url(hub),), FEEDS, timeout=5, allow_private=True)

    assert len(problems) == 2
    assert all("HTTP 400" in problem for problem in problems)


def test_a_hub_that_is_no_url_is_a_problem_not_a_request():
    [problem] = ping_hubs(("ftp://hub.example.org/",), FEEDS)
    assert problem.startswith("WebSub hub ftp://hub.example.org/ (site.hubs): ")
    assert "only http and https URLs are read" in problem


def test_nothing_changed_pings_nobody(hub):
    assert ping_hubs((hub_url(hub),), [], allow_private=True) == []
    assert hub.pings == []


def test_a_build_announces_its_changed_feeds_and_a_no_op_build_does_not(hub, write_catalog):
    """The series has no episode: its feed is not announced (see test_notify)."""
    catalog = write_catalog(entries=[ARTICLE], site={"hubs": [hub_url(hub)]})
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    announced = sorted(form["hub.url"][0] for _, _, form in hub.pings)
    assert announced == [
        "https://feeds.example.org/articles.atom",
        "https://feeds.example.org/articles.xml",
    ]
    feed = (catalog.parent / "feeds" / "articles.xml").read_text()
    assert f'<atom:link rel="hub" href="{hub_url(hub)}"/>' in feed
    hub.pings.clear()
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert hub.pings == []


def test_a_hub_on_a_private_address_is_told_only_with_allow_private_sources(hub, write_catalog):
    """A catalog must not make every build send requests to this machine or an intranet:
    a hub there is refused, with a warning naming it, and the build still succeeds."""
    catalog = write_catalog(entries=[ARTICLE], site={"hubs": [hub_url(hub)]})
    refused = run_publisher("build", cwd=catalog.parent)
    assert refused.exit_code == 0
    assert hub.pings == []
    assert f"WebSub hub {hub_url(hub)} (site.hubs): WebSub hub {hub_url(hub)} refused:" in (
        refused.stderr
    )
    assert "127.0.0.1 is a loopback address" in refused.stderr
    assert "--allow-private-sources" in refused.stderr
    # a changed feed, to announce (the same bytes are not announced twice, told or not)
    catalog.write_text(catalog.read_text().replace("An article", "An article, edited"))
    reached = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert reached.exit_code == 0
    assert [form["hub.url"] for _, _, form in hub.pings] == [
        ["https://feeds.example.org/articles.atom"],
        ["https://feeds.example.org/articles.xml"],
    ]


def test_a_proxy_from_the_environment_is_not_used(hub, monkeypatch):
    """A proxy would hide which address is really reached: hubs are told directly."""
    with serving(RecordingHub, pings=[], status=204) as proxy:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.server_address[1]}")
        assert ping_hubs((hub_url(hub),), FEEDS[:1], timeout=5, allow_private=True) == []
        assert proxy.pings == []
    assert len(hub.pings) == 1
