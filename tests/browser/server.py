"""The built site, served on a free loopback port under a prefix, with a log of every request.

GitHub Pages serves a project's site at ``/<repository>/``, not at the root: the site is served
here the same way, under PREFIX, so that a link or asset that only works at the root (a path
starting with ``/``) answers 404 instead of passing unnoticed. Anything outside PREFIX is 404.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

# Where the site lives on the server: as on GitHub Pages, the repository's name.
PREFIX = "/dropout_book/"

# Every request the local server answered, in order: (path, status). The server's view also
# holds what the browser asks for on its own, such as /favicon.ico.
SERVED: list[tuple[str, int]] = []


def served_since(mark: int) -> list[str]:
    """Return the requests answered with anything but 200 since SERVED had `mark` entries."""
    return [f"{status} {path}" for path, status in SERVED[mark:] if status != 200]


def site_file(site: Path, url: str) -> Path | None:
    """Return the file of `site` that `url` names (None outside PREFIX); it may not exist."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(PREFIX):
        return None
    target = site / path.removeprefix(PREFIX)
    return target / "index.html" if path.endswith("/") else target


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serve the site under PREFIX; note each request's path and status in SERVED, print nothing."""

    def send_head(self) -> BytesIO | BinaryIO | None:
        """Answer 404 outside PREFIX, else as a static file server."""
        if not self.path.startswith(PREFIX):
            self.send_error(HTTPStatus.NOT_FOUND, f"outside the site's prefix {PREFIX}")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        """Map a path under PREFIX to the site's folder."""
        return super().translate_path(path.removeprefix(PREFIX.rstrip("/")))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Note the request's path and status."""
        SERVED.append((self.path, int(code)))

    def log_message(self, format: str, *args: Any) -> None:
        """Print nothing."""


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` under PREFIX on a free loopback port until the block ends; yield its URL."""
    handler = functools.partial(_SiteHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}{PREFIX}"
        server.shutdown()
        thread.join()
