"""Who hears about a feed, and when: a hub or directory hears about a feed once, when it
is live at its public URL and has an episode. Against the loopback recorders, the real
`publisher` command and moto's S3 server."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import boto3
import pytest
from helpers.catalogs import ARTICLE, run_publisher, talk_entry
from helpers.loopback import QuietHandler, serving
from helpers.moto import aws_test_environment, moto_server
from helpers.recorders import hub_url, template_of
from lxml import etree

BASE = "https://feeds.example.org/"
PREFIX = "https://op3.dev/e/"


def told(hub, directory) -> tuple[list[str], list[str]]:
    """The feed URLs the hub and the directory were told of, in order."""
    return (
        [form["hub.url"][0] for _, _, form in hub.pings],
        [query["url"][0] for query in directory.pings],
    )


def forget(*recorders) -> None:
    for recorder in recorders:
        recorder.pings.clear()


def announcing(hub, directory, **site) -> dict:
    return {"hubs": [hub_url(hub)], "pings": [template_of(directory)], **site}


def enclosures(feed) -> list[str]:
    return [e.get("url") for e in etree.parse(str(feed)).iterfind("channel/item/enclosure")]


def test_a_preview_tells_nobody_and_has_no_analytics_prefix(
    hub, directory, write_catalog, media_files
):
    """The README's phone recipe: a build for a loopback address is no publication."""
    site = announcing(hub, directory, enclosure_prefix=PREFIX)
    catalog = write_catalog(entries=[talk_entry("july", str(media_files["talk.m4a"]))], site=site)
    preview = "http://127.0.0.1:8000/"
    built = run_publisher(
        "build",
        "--allow-private-sources",
        "--out",
        "preview",
        "--base-url",
        preview,
        cwd=catalog.parent,
    )
    assert built.exit_code == 0, built.stderr
    assert told(hub, directory) == ([], [])
    [url] = enclosures(catalog.parent / "preview/talks/podcast.xml")
    assert url.startswith(preview + "media/talks/july"), url

    # The same catalog built for its own address: announced, and counted.
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    feed = BASE + "talks/podcast.xml"
    assert told(hub, directory) == ([feed], [feed])
    [url] = enclosures(catalog.parent / "feeds/talks/podcast.xml")
    assert url.startswith(PREFIX + "feeds.example.org/media/talks/july"), url


def test_an_empty_feed_is_announced_with_its_first_episode_only(
    hub, directory, write_catalog, media_files
):
    site = announcing(hub, directory)
    catalog = write_catalog(entries=[ARTICLE], site=site)
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    articles = [BASE + "articles.atom", BASE + "articles.xml"]
    assert told(hub, directory) == (articles, articles)  # the empty series is not

    forget(hub, directory)
    talk = talk_entry("july", str(media_files["talk.m4a"]))
    write_catalog(entries=[ARTICLE, talk], site=site)
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    feed = BASE + "talks/podcast.xml"
    assert told(hub, directory) == ([feed], [feed])  # the articles did not change

    forget(hub, directory)
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert told(hub, directory) == ([], [])


class LiveCheckingHub(QuietHandler):
    """A hub that, when told of a feed, looks for it in the bucket the site is served
    from: each ping records (feed URL, whether the feed was there)."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        feed = dict(pair.split("=", 1) for pair in body.split("&"))["hub.url"]
        feed = unquote(feed)
        listed = self.server.s3.list_objects_v2(Bucket=self.server.bucket)
        there = feed.removeprefix(BASE) in {item["Key"] for item in listed.get("Contents", ())}
        self.server.pings.append((feed, there))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def s3_endpoint(tmp_path_factory):
    with moto_server() as url:
        yield url


def test_an_uploaded_folder_is_announced_after_its_upload_and_once(
    s3_endpoint, write_catalog, media_files, tmp_path, directory
):
    env = {**aws_test_environment(tmp_path), "AWS_ENDPOINT_URL": s3_endpoint}
    bucket = f"feeds-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, **_keys(env))
    s3.create_bucket(Bucket=bucket)
    with serving(LiveCheckingHub, pings=[], s3=s3, bucket=bucket) as hub:
        site = {"hubs": [hub_url(hub)], "pings": [template_of(directory)]}
        talk = talk_entry("july", str(media_files["talk.m4a"]))
        catalog = write_catalog(entries=[talk], site=site)
        destination = f"s3://{bucket}"
        # cron's line: the build leaves it to the upload, which announces once, after
        built = run_publisher(
            "build",
            "--allow-private-sources",
            "--publish",
            destination,
            cwd=catalog.parent,
            env=env,
        )
        assert built.exit_code == 0, built.stderr
        feed = BASE + "talks/podcast.xml"
        assert hub.pings == [(feed, True)]
        assert [query["url"][0] for query in directory.pings] == [feed]

        # by hand: an edit built, then published — the build of an uploaded folder tells
        # nobody, the publish tells each once
        forget(hub, directory)
        edited = talk_entry("july", str(media_files["talk.m4a"]), title="July, edited")
        write_catalog(entries=[edited], site=site)
        assert (
            run_publisher("build", "--allow-private-sources", cwd=catalog.parent, env=env).exit_code
            == 0
        )
        assert hub.pings == [] and directory.pings == []
        published = run_publisher(
            "publish", destination, "--allow-private-sources", cwd=catalog.parent, env=env
        )
        assert published.exit_code == 0, published.stderr
        assert hub.pings == [(feed, True)]
        assert len(directory.pings) == 1

        forget(hub, directory)
        again = run_publisher(
            "publish", destination, "--allow-private-sources", cwd=catalog.parent, env=env
        )
        assert again.exit_code == 0, again.stderr
        assert hub.pings == [] and directory.pings == []


def test_a_preview_left_in_the_folder_is_neither_uploaded_nor_announced(
    s3_endpoint, write_catalog, media_files, tmp_path, hub, directory
):
    """The phone recipe builds into feeds/ for a loopback address; a `publish` after it
    would put those addresses in every subscriber's app, and tell the directories."""
    env = {**aws_test_environment(tmp_path), "AWS_ENDPOINT_URL": s3_endpoint}
    bucket = f"feeds-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, **_keys(env))
    s3.create_bucket(Bucket=bucket)
    talk = talk_entry("july", str(media_files["talk.m4a"]))
    catalog = write_catalog(entries=[talk], site=announcing(hub, directory))
    assert run_publisher("build", cwd=catalog.parent, env=env).exit_code == 0
    forget(hub, directory)
    preview = ["--offline", "--base-url", "http://192.168.1.20:8000/"]
    assert run_publisher("build", *preview, cwd=catalog.parent, env=env).exit_code == 0
    published = run_publisher("publish", f"s3://{bucket}", cwd=catalog.parent, env=env)
    assert published.exit_code == 1
    assert "http://192.168.1.20:8000/" in published.stderr and "publisher build" in published.stderr
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0, "nothing uploaded"
    assert told(hub, directory) == ([], [])

    assert run_publisher("build", cwd=catalog.parent, env=env).exit_code == 0  # for its URL
    forget(hub, directory)
    published = run_publisher("publish", f"s3://{bucket}", cwd=catalog.parent, env=env)
    assert published.exit_code == 0, published.stderr


def _keys(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }
