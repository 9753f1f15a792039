"""Directory pings (`site.pings`), against a small directory on 127.0.0.1 that records
each GET it is sent."""

from __future__ import annotations

import socket

from helpers.catalogs import ARTICLE, run_publisher
from helpers.recorders import template_of

from publisher.deliver.pings import ping_directories, ping_url


def test_the_feed_url_is_one_query_value():
    assert (
        ping_url("https://d.example/ping?url={url}", "https://f.example/a b.xml?x=1&y=2")
        == "https://d.example/ping?url=https%3A%2F%2Ff.example%2Fa%20b.xml%3Fx%3D1%26y%3D2"
    )


def test_each_changed_feed_is_pinged_once(directory):
    feeds = ["https://feeds.example.org/a.xml", "https://feeds.example.org/b.xml?x=1&y=2"]
    assert ping_directories((template_of(directory),), feeds, timeout=5, allow_private=True) == []
    assert [ping["url"] for ping in directory.pings] == [[feeds[0]], [feeds[1]]]
    assert all(ping["source"] == ["test"] for ping in directory.pings)


def test_a_refusing_or_dead_directory_is_a_problem_never_an_exception(directory):
    directory.status = 500
    [problem] = ping_directories(
        (template_of(directory),), ["https://f.example/a.xml"], allow_private=True
    )
    assert "HTTP 500" in problem and "https://f.example/a.xml" in problem
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/ping?url={{url}}"
        problems = ping_directories(
            (dead,), ["https://f.example/a.xml", "https://f.example/b"], allow_private=True
        )
    assert len(problems) == 1 and "unreachable" in problems[0], "a dead one is tried once"


def test_a_build_pings_its_changed_feeds_and_a_no_op_build_does_not(directory, write_catalog):
    catalog = write_catalog(entries=[ARTICLE], site={"pings": [template_of(directory)]})
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    pinged = sorted(ping["url"][0] for ping in directory.pings)
    assert pinged == [  # not the series' feed: it has no episode (see test_notify)
        "https://feeds.example.org/articles.atom",
        "https://feeds.example.org/articles.xml",
    ]
    directory.pings.clear()
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert directory.pings == []


def test_a_failing_ping_does_not_fail_the_build(directory, write_catalog):
    directory.status = 503
    catalog = write_catalog(entries=[ARTICLE], site={"pings": [template_of(directory)]})
    result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert result.exit_code == 0
    assert "directory ping" in result.stderr and "HTTP 503" in result.stderr


def test_a_directory_on_a_private_address_is_pinged_only_when_allowed(directory, write_catalog):
    catalog = write_catalog(entries=[ARTICLE], site={"pings": [template_of(directory)]})
    refused = run_publisher("build", cwd=catalog.parent)
    assert refused.exit_code == 0
    assert directory.pings == []
    assert "(site.pings): directory ping http://127.0.0.1:" in refused.stderr
    assert "127.0.0.1 is a loopback address" in refused.stderr
    # a changed feed, to announce (the same bytes are not announced twice, told or not)
    catalog.write_text(catalog.read_text().replace("An article", "An article, edited"))
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert [ping["url"] for ping in directory.pings] == [
        ["https://feeds.example.org/articles.atom"],
        ["https://feeds.example.org/articles.xml"],
    ]


def test_a_template_without_the_feed_url_is_a_catalog_error(write_catalog):
    catalog = write_catalog(entries=[ARTICLE], site={"pings": ["https://d.example/ping"]})
    result = run_publisher("validate", cwd=catalog.parent)
    assert result.exit_code == 1
    assert "site.pings" in result.stderr and "has no {url}" in result.stderr
