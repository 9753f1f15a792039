"""A yt-dlp extractor plugin for the failure-class tests: a YouTube stand-in on 127.0.0.x.

It reads a player response (JSON) from the test's server and refuses exactly the way
`YoutubeIE._real_extract` does with YouTube's playabilityStatus: geo-restriction through
`raise_geo_restricted`, "sign in" reasons with yt-dlp's own login hint appended, the rest
through `raise_no_formats(expected=True)`; warnings go through `report_warning`. So the
publisher sees the exception classes and texts yt-dlp really produces for YouTube.
"""

from yt_dlp.extractor.youtube._base import YoutubeBaseInfoExtractor
from yt_dlp.utils import remove_end


class LoopbackTubeIE(YoutubeBaseInfoExtractor):
    IE_NAME = "loopbacktube"
    _VALID_URL = r"http://127\.0\.0\.\d+:\d+/watch/(?P<id>[\w-]+)"

    def _real_initialize(self):
        pass  # YouTube's consent cookies and client setup: not here

    def _real_extract(self, url):
        video_id = self._match_id(url)
        player = self._download_json(url.replace("/watch/", "/player/"), video_id)
        for warning in player.get("warnings", []):
            self.report_warning(warning, video_id)
        status = player.get("playabilityStatus") or {}
        if status.get("status", "OK") != "OK":
            reason, subreason = status.get("reason") or "", status.get("subreason")
            if subreason:
                if subreason.startswith(
                    "The uploader has not made this video available in your country"
                ):
                    self.raise_geo_restricted(
                        subreason, status.get("countries"), metadata_available=True
                    )
                reason += f". {subreason}"
            if "sign in" in reason.lower():
                reason = remove_end(reason, "This helps protect our community. Learn more")
                reason = f"{reason}. {self._youtube_login_hint}"
            self.raise_no_formats(reason, expected=True)
        return {
            "id": video_id,
            "title": player.get("title", video_id),
            "duration": player.get("duration"),
            "formats": player.get("formats", []),
        }
