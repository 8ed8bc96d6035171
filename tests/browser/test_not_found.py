"""The 404 page as GitHub Pages serves it: for a missing address at any depth under the site.

GitHub Pages answers a request for a missing file anywhere under a project site with that
site's ``404.html`` and the status 404, whatever the depth of the address, so the page cannot
use relative URLs; sphinx-notfound-page makes them absolute with the path of ``html_baseurl``.
The server here does the same as GitHub Pages, under the path the built site names in its
canonical links, and the page must then load completely (every asset answered 200), look like
the site, and lead back to it.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.traffic import watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

# Missing addresses at several depths, with and without a file name, and in a folder that
# exists (tutorials/) and one that does not.
MISSING = [
    "no-such-page.html",
    "tutorials/no-such-page.html",
    "no/such/folder/at/depth/five.html",
    "no-such-folder/",
    "ja/tutorials/no-such-page.html",
]


def site_prefix(site: Path) -> str:
    """Return the path the site is published under, from its home page's canonical link."""
    html = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="([^"]+)index\.html"', html)
    assert match, "the home page has no canonical link: is html_baseurl set?"
    return urlsplit(match.group(1)).path


class PagesHandler(SimpleHTTPRequestHandler):
    """Serve the site under a prefix; answer a missing file with 404.html, as GitHub Pages does."""

    prefix = "/"
    log: list[tuple[str, int]]

    def send_head(self) -> Any:
        """Serve an existing file (or folder's index.html); else the site's 404 page."""
        path = unquote(urlsplit(self.path).path)
        target = Path(self.directory) / path.removeprefix(self.prefix)
        if path.endswith("/"):
            target /= "index.html"
        if path.startswith(self.prefix) and target.is_file():
            return super().send_head()
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)

    def translate_path(self, path: str) -> str:
        """Map a path under the prefix to the site's folder."""
        return super().translate_path("/" + path.removeprefix(self.prefix))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Note the request's path and status."""
        self.log.append((self.path, int(code)))

    def log_message(self, format: str, *args: Any) -> None:
        """Print nothing."""


class _Body:
    """A response body that SimpleHTTPRequestHandler can copy and close."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture(scope="module")
def pages_server(site: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """Serve the site as GitHub Pages would; yield its address and the log of requests."""
    log: list[tuple[str, int]] = []
    prefix = site_prefix(site)

    class Handler(PagesHandler):
        pass

    Handler.prefix, Handler.log = prefix, log
    handler = functools.partial(Handler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}{prefix}", log
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("missing", MISSING)
def test_missing_address_gets_a_working_not_found_page(
    browser: Browser,
    pages_server: tuple[str, list[tuple[str, int]]],
    screenshots: Path,
    missing: str,
) -> None:
    """The 404 page loads whole at any depth, looks like the site and links back to it."""
    base_url, log = pages_server
    for width, height in ((1280, 800), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        traffic = watch(context, page, base_url)
        mark = len(log)
        response = page.goto(base_url + missing, wait_until="load")
        assert response is not None
        assert response.status == 404
        assert page.title() == "Page not found — dropout_book"
        assert page.locator("article h1").first.inner_text() == "Page not found"
        # Everything the page asked for came from the site and answered 200.
        assets = [(path, status) for path, status in log[mark:] if status != 404]
        assert len(assets) >= 10, assets
        assert [f"{status} {path}" for path, status in log[mark + 1 :] if status != 200] == []
        assert traffic.blocked == []
        assert traffic.failed == []
        # The browser reports the page's own 404 in the console; nothing else may appear.
        own_status = "error: Failed to load resource: the server responded with a status of 404"
        assert [
            message
            for message in traffic.console
            if not (message.startswith(own_status) and f"({base_url}{missing}:" in message)
        ] == []
        # The theme's stylesheets apply: the article is laid out in the theme's main column.
        display = page.evaluate("getComputedStyle(document.querySelector('.bd-main')).display")
        assert display == "flex"
        name = re.sub(r"[^a-z0-9]+", "-", missing).strip("-")
        page.screenshot(path=str(screenshots / f"404-{name}-{width}.png"), full_page=True)
        if width == 1280:
            page.get_by_role("link", name="home page", exact=True).click()
            page.wait_for_load_state("load")
            assert page.url == base_url + "index.html"
            assert page.title().endswith("dropout_book")
            assert (urlsplit(page.url).path, 200) in log
        context.close()
