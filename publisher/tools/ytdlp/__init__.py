"""yt-dlp, used as a library: the only package that imports it.

`client` reads a source and downloads one format; `formats` chooses the formats;
`listing` lists a playlist or channel; `network` holds every request yt-dlp makes to the
address rules; `refusals` turns yt-dlp's errors into the program's; `runtime` finds the
JavaScript runtime and reads the cookies file; `toolchain` asks yt-dlp what it makes of
them, for `publisher doctor`.

Each module's `__all__` is its public surface: the rest of the program imports
`client` (which offers `formats`' choices too), `listing` and `toolchain`, and no module
imports a name another keeps private. Importing this package loads nothing: yt-dlp is
slow to import, and only the modules that need it load it.
"""
