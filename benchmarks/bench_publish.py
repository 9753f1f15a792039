"""Benchmark: publishing an unchanged 1,000-file folder makes no PUT.

Starts moto's S3 server on 127.0.0.1 (tests/helpers/moto.py), publishes a generated
folder, publishes it again with moto's request recorder on, and prints the second run's
write requests and its time against a bare paginated listing of the same bucket (the
least any publish must do).

    python benchmarks/bench_publish.py [--files 1000] [--repeat 3]

Exits 1 if the unchanged publish wrote anything.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests

from publisher.deliver.s3 import publish_folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers.moto import moto_server  # noqa: E402

BUCKET = "bench"
DESTINATION = f"s3://{BUCKET}/site"


def make_folder(root: Path, count: int) -> None:
    """`count` files shaped like a published folder: feeds, pages, and mostly media."""
    rng = random.Random(1917)
    series = [f"series-{n:02d}" for n in range(10)]
    names = ["index.html", "feeds.opml", "articles.xml", "articles.atom"]
    for slug in series:
        names += [f"{slug}/podcast.xml", f"{slug}/video.xml", f"{slug}/index.html"]
    episode = 0
    while len(names) < count:
        slug = series[episode % len(series)]
        for ext in ("m4a", "mp4", "vtt", "json"):
            names.append(f"media/{slug}/episode-{episode:04d}.{ext}")
        episode += 1
    for name in names[:count]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith((".xml", ".atom", ".opml")):
            path.write_text(f"<rss><channel><title>{name}</title></channel></rss>")
        else:
            path.write_bytes(rng.randbytes(rng.randint(1_000, 64_000)))


def recorder(endpoint: str, step: str) -> requests.Response:
    method = requests.get if step == "download-recording" else requests.post
    response = method(f"{endpoint}/moto-api/recorder/{step}", timeout=10)
    response.raise_for_status()
    return response


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def bare_listing(endpoint: str) -> int:
    """What any sync tool must do at least: make a client and list the prefix."""
    client = boto3.client("s3", endpoint_url=endpoint)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="site/")
    return sum(len(page.get("Contents", [])) for page in pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    for name, value in [("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")]:
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    with tempfile.TemporaryDirectory(prefix="bench-publish-") as scratch:
        folder = Path(scratch) / "feeds"
        make_folder(folder, args.files)
        with moto_server(Path(scratch) / "requests.jsonl") as endpoint:
            boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
            first, report = timed(lambda: publish_folder(folder, DESTINATION, endpoint))
            print(f"first publish:  {len(report.uploaded)} files uploaded in {first:.2f} s")

            recorder(endpoint, "reset-recording")
            recorder(endpoint, "start-recording")
            again = [timed(lambda: publish_folder(folder, DESTINATION, endpoint))]
            recorder(endpoint, "stop-recording")
            again += [
                timed(lambda: publish_folder(folder, DESTINATION, endpoint))
                for _ in range(args.repeat - 1)
            ]
            log = recorder(endpoint, "download-recording").text
            methods = [json.loads(line)["method"] for line in log.splitlines()]
            writes = sum(method in ("PUT", "POST", "DELETE") for method in methods)

            listing = [timed(lambda: bare_listing(endpoint)) for _ in range(args.repeat)]
            publish_time = min(seconds for seconds, _ in again)
            list_time, listed = min(listing, key=lambda pair: pair[0])
            skipped = len(again[0][1].skipped)
            # As the CLI runs it: digests remembered from the run before.
            digests: dict[str, list] = {}
            publish_folder(folder, DESTINATION, endpoint, digests=digests)
            remembered = min(
                timed(lambda: publish_folder(folder, DESTINATION, endpoint, digests=digests))[0]
                for _ in range(args.repeat)
            )

    print(
        f"second publish: {skipped} skipped, {writes} PUT/POST/DELETE requests "
        f"({len(methods)} requests in all), best {publish_time:.3f} s"
    )
    print(f"bare listing:   {listed} objects, best {list_time:.3f} s")
    print(f"ratio unchanged publish / listing: {publish_time / list_time:.2f}")
    print(
        f"with remembered digests (the CLI): best {remembered:.3f} s, ratio"
        f" {remembered / list_time:.2f}"
    )
    return 1 if writes else 0


if __name__ == "__main__":
    sys.exit(main())
