"""Which container a media file is, from its first bytes: the publisher decides it.

ffmpeg, left to guess, also takes a file for a playlist (HLS, ffconcat, SDP…) and then
opens the files that playlist names: a downloaded body could make it read any file of
this machine. So the publisher looks at the bytes itself, names one plain container from
a short list, and ffmpeg reads the file as that container and nothing else
(`publisher.tools.ffmpeg`). A pure codec: bytes in, a name out.
"""

from __future__ import annotations

from pathlib import Path

HEAD_BYTES = 4096  # enough for the magic numbers, after an ID3 tag's header is skipped

# Box types an MP4/QuickTime file may begin with.
MP4_FIRST_BOXES = frozenset([b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide",
                             b"pnot", b"sidx", b"moof"])  # fmt: skip
TS_PACKET = 188
MAX_ID3_TAGS = 4  # one after another, at the start of a file
# What a playlist or a list of other files starts with: named in the refusal.
INDIRECTIONS = {
    b"#EXTM3U": "an HLS or M3U playlist",
    b"#EXTINF": "an M3U playlist",
    b"ffconcat": "an ffconcat playlist",
    b"[playlist]": "a PLS playlist",
    b"<?xml": "an XML document (a DASH manifest or a playlist)",
    b"<": "a web page or an XML document",
}


def container_of(path: Path) -> tuple[str | None, bytes]:
    """(the container of the file at `path` or None, its first bytes): see `container`.
    An ID3v2 tag (before MP3, AAC or FLAC) may be long, with cover art: it is skipped,
    and so is a second one (some taggers put a new tag before the old). Audio frames may
    then start a few bytes later than the tag said (a miscounted size), as ffmpeg's MP3
    demuxer allows."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        after, offset = head, 0
        for _ in range(MAX_ID3_TAGS):
            if not (after.startswith(b"ID3") and len(after) >= 10):
                break
            offset += _id3_length(after)
            handle.seek(offset)
            after = handle.read(HEAD_BYTES).lstrip(b"\0")
    if offset == 0:
        return container(head), head
    return _by_magic(after) or _first_audio_frames(after), head


def container(head: bytes) -> str | None:
    """The container `head` (a file's first bytes) starts, or None when it is none of
    the plain ones: "mp4", "matroska", "mp3", "adts", "ogg", "flac", "wav", "aiff",
    "mpegts", "mpegps", "flv", "avi" or "asf"."""
    return _by_magic(head) or _audio_frames(head)


def refusal(head: bytes) -> str:
    """What a file that is no plain container seems to be, in a few words."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for start, what in INDIRECTIONS.items():
        if text[: len(start)].lower() == start.lower():
            return f"it is {what}, whose entries are never followed"
    if not head:
        return "it is empty"
    return f"it starts with {head[:16]!r}"


def _by_magic(head: bytes) -> str | None:
    if head[4:8] in MP4_FIRST_BOXES:
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # WebM too
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] in (b"WAVE", b"AVI "):
        return "wav" if head[8:12] == b"WAVE" else "avi"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "asf"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpegps"
    if _is_mpegts(head):
        return "mpegts"
    return None


def _is_mpegts(head: bytes) -> bool:
    """Sync bytes every 188 bytes (or 192, for Blu-ray's M2TS), as far as `head` goes."""
    for offset, stride in ((0, TS_PACKET), (4, TS_PACKET + 4)):
        packets = range(offset, min(len(head), offset + 5 * stride), stride)
        if len(packets) >= 2 and all(head[i] == 0x47 for i in packets):
            return True
    return False


def _audio_frames(head: bytes) -> str | None:
    """An MPEG audio frame header: ADTS (AAC) when its layer bits are 0, else MP3."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if head[1] & 0xF6 == 0xF0:
        return "adts"
    return "mp3" if head[1] & 0x06 else None


def _first_audio_frames(head: bytes) -> str | None:
    """`_audio_frames` at the first frame header in `head`."""
    start = head.find(b"\xff")
    while start != -1:
        if found := _audio_frames(head[start:]):
            return found
        start = head.find(b"\xff", start + 1)
    return None


def _id3_length(head: bytes) -> int:
    """The length of the ID3v2 tag `head` starts with: header, body (a "syncsafe" size:
    7 bits a byte) and the footer its flags may announce."""
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)
