"""Choosing among the formats yt-dlp offers: pure functions on its format dicts (part of
`publisher.tools.ytdlp`)."""

from __future__ import annotations

from publisher.errors import NoVideo

__all__ = [
    "choose_audio",
    "choose_video",
    "codec",
    "has_audio",
    "has_video",
    "is_aac",
    "is_h264",
    "usable",
]


def usable(fmt: dict) -> bool:
    return bool(fmt.get("url")) and fmt.get("protocol") != "mhtml" and not fmt.get("has_drm")


def codec(value) -> str | None:
    return None if value in (None, "none") else str(value)


def has_audio(fmt: dict) -> bool:
    return fmt.get("acodec") != "none"  # None means unknown, as for a direct URL


def has_video(fmt: dict) -> bool:
    return fmt.get("vcodec") != "none"


def is_aac(fmt: dict) -> bool:
    return str(fmt.get("acodec") or "").startswith(("mp4a", "aac"))


def is_h264(fmt: dict) -> bool:
    return str(fmt.get("vcodec") or "").startswith(("avc1", "h264"))


def choose_audio(formats: list[dict], prefer_aac: bool) -> dict:
    """The smallest download that carries the best audio: audio-only first, AAC if wanted."""
    with_audio = [f for f in formats if has_audio(f)] or formats

    def rank(fmt: dict):
        audio_only = not has_video(fmt) or fmt.get("vcodec") is None and fmt.get("ext") in (
            "m4a", "mp3", "opus", "ogg", "aac", "wav", "flac")  # fmt: skip
        bitrate = fmt.get("abr") or fmt.get("tbr") or 0
        return (audio_only, prefer_aac and is_aac(fmt), bitrate, -(fmt.get("height") or 0))

    return max(with_audio, key=rank)


def choose_video(formats: list[dict], max_height: int = 1080) -> dict:
    """The video to publish: H.264 (remuxed, not re-encoded) up to `max_height` first."""
    with_video = [f for f in formats if has_video(f)]
    if not with_video:
        raise NoVideo("the source offers no video, but the series publishes video")

    def rank(fmt: dict):
        height = fmt.get("height") or 0
        # a sharper picture beats saving the merge; both ways the H.264 is not re-encoded
        return (height <= max_height, is_h264(fmt), height, has_audio(fmt) and is_aac(fmt),
                fmt.get("tbr") or 0)  # fmt: skip

    return max(with_video, key=rank)
