"""A pause switch for crash tests: stop at a named point so a test can SIGKILL the run there.

Set PUBLISHER_PAUSE_AFTER to a point's name (a stage name, "feed-write" or "state-write")
and PUBLISHER_PAUSE_MARKER to a file path; the run touches the file and waits there. With
the variable unset (always, outside tests) a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    if os.environ.get("PUBLISHER_PAUSE_AFTER") != name:
        return
    Path(os.environ["PUBLISHER_PAUSE_MARKER"]).touch()
    time.sleep(3600)
