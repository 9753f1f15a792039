"""How the fixtures here were made from the files named in README.md: the formats kept
whole, the client's IP address in signed URLs replaced by a documentation address, and
what makes the files large but is no format (machine-translated caption lists, tables)
cut. Run: python prepare.py ORIGINAL.json OUT.json"""

import json
import re
import sys

IPV4 = "203.0.113.1"  # RFC 5737, for documentation
IPV6 = "2001:db8::1"  # RFC 3849, for documentation
ADDRESS = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{0,4}(?:(?::|%3A)[0-9a-fA-F]{0,4}){2,7})"
CLIENT_IP = re.compile(rf"(?P<key>(?<![a-z])ip(?:=|%3D|/))(?P<address>{ADDRESS})")
DROPPED = ("requested_subtitles", "automatic_captions_table", "formats_table", "heatmap")


def replace_ip(text: str) -> str:
    def documentation(match: re.Match) -> str:
        address = match["address"]
        if address == "0.0.0.0":
            return match[0]  # no client's address
        return match["key"] + (
            IPV4 if "." in address else IPV6.replace(":", "%3A") if "%3A" in address else IPV6
        )

    return CLIENT_IP.sub(documentation, text)


def trim(info: dict) -> dict:
    language = (info.get("language") or "en").split("-")[0]
    captions = info.get("automatic_captions") or {}
    info["automatic_captions"] = {
        lang: offers for lang, offers in captions.items() if lang in (language, f"{language}-orig")
    }
    for key in DROPPED:
        info.pop(key, None)
    return info


if __name__ == "__main__":
    source, target = sys.argv[1:3]
    with open(source, encoding="utf-8") as file:
        info = trim(json.load(file))
    with open(target, "w", encoding="utf-8") as file:
        file.write(replace_ip(json.dumps(info, ensure_ascii=False, indent=1)) + "\n")
