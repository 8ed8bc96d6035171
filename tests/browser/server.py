"""The built site, served on a free loopback port, with a log of every request it answered."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Every request the local server answered, in order: (path, status). The server's view also
# holds what the browser asks for on its own, such as /favicon.ico.
SERVED: list[tuple[str, int]] = []


def served_since(mark: int) -> list[str]:
    """Return the requests answered with anything but 200 since SERVED had `mark` entries."""
    return [f"{status} {path}" for path, status in SERVED[mark:] if status != 200]


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve the site's files; note each request's path and status in SERVED, print nothing."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Note the request's path and status."""
        SERVED.append((self.path, int(code)))

    def log_message(self, format: str, *args: Any) -> None:
        """Print nothing."""


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on a free loopback port until the block ends; yield its address."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}/"
        server.shutdown()
        thread.join()
