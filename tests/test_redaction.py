"""`--verbose` output goes into bug reports: it carries no credential, whichever link of
the AWS chain gave it (moto's S3 server on 127.0.0.1, the real `publisher` command)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from helpers.catalogs import ARTICLE, run_publisher
from helpers.moto import UNSET_AWS_VARIABLES, moto_server

from publisher.redaction import REDACTED, redact

KEY_ID = "AKIDVERBOSETEST12345"
SECRET = "SecretKeyThatMustNeverBePrinted0123456789"
TOKEN = "FwoGZXIvYXdzSessionTokenThatMustNeverBePrinted987654321"


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


def environment(tmp_path, from_file: bool) -> dict[str, str]:
    """The credentials in the environment, or in a shared credentials file (a profile);
    the test's own AWS variables are unset beforehand."""
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "no-config")}
    if from_file:
        credentials = tmp_path / "credentials"
        credentials.write_text(
            f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
            f"aws_session_token = {TOKEN}\n"
        )
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    else:
        env.update(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN)
        env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"))
    return env


@pytest.mark.parametrize("from_file", [False, True], ids=["environment", "profile"])
@pytest.mark.parametrize("command", ["publish", "build --publish"])
def test_verbose_publish_prints_no_credential(
    write_catalog, endpoint, tmp_path, monkeypatch, from_file, command
):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", *UNSET_AWS_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    catalog = write_catalog(entries=[ARTICLE])
    bucket = f"v-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="a", aws_secret_access_key="b",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)  # fmt: skip
    env = environment(tmp_path, from_file)
    if command == "publish":
        assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    words = command.split()
    done = run_publisher(
        "--verbose", *words, f"s3://{bucket}/site", "--endpoint-url", endpoint,
        cwd=catalog.parent, env=env,
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr[-3000:]
    printed = done.stdout + done.stderr
    assert "botocore" in printed  # still the full debug log
    for credential in (SECRET, TOKEN, KEY_ID, "AWS4-HMAC-SHA256 Credential"):
        assert credential not in printed
    assert REDACTED in printed


@pytest.mark.parametrize(
    "text",
    [
        "headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=AKID/x, Signature=ab'}",
        "x-amz-security-token:IQoJb3JpZ2luX2VjEJr\nhost:s3",
        "GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKID%2F&X-Amz-Signature=deadbeef",
        '{"Cookie": "SID=31d4d96e407aad42; HSID=secret"}',
        "Signature:\n" + "f" * 64,
    ],
)
def test_credential_headers_and_parameters_are_blanked_by_name(text):
    cleaned = redact(text)
    for secret in ("AKID", "IQoJb3JpZ2luX2VjEJr", "deadbeef", "31d4d96e407aad42", "f" * 64):
        assert secret not in cleaned
    assert REDACTED in cleaned
