"""A tab's traffic: other hosts blocked; requests, failures and console messages recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Request, Route


@dataclass
class Traffic:
    """The network and console record of one page load."""

    urls: list[str] = field(default_factory=list)  # of every request, in order
    bad_status: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    # Off once the page has settled: what axe fetches for its checks is not the page's doing.
    recording: bool = True

    @property
    def requests(self) -> int:
        """Return how many requests the page made."""
        return len(self.urls)


def watch(context: BrowserContext, page: Page, base_url: str) -> Traffic:
    """Block every request to another host, and record requests, statuses and console.

    A request to the site's own server outside `base_url` is let through: the server answers
    it 404, which the tests see in its log.
    """
    traffic = Traffic()
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}/"

    def elsewhere(url: str) -> bool:
        return url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(origin)

    def block(route: Route) -> None:
        traffic.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def on_request(request: Request) -> None:
        if traffic.recording and request.url.startswith(("http:", "https:")):
            traffic.urls.append(request.url)

    def on_failed(request: Request) -> None:
        if traffic.recording and request.url.startswith(origin):
            traffic.failed.append(f"{request.failure} {request.url}")

    def on_console(message: ConsoleMessage) -> None:
        if traffic.recording and message.type in {"error", "warning"}:
            where = message.location
            origin = f"{where.get('url', '')}:{where.get('lineNumber', '')}"
            traffic.console.append(f"{message.type}: {message.text} ({origin})")

    def on_page_error(error: Error) -> None:
        if traffic.recording:
            traffic.console.append(f"uncaught exception: {error}")

    context.route(elsewhere, block)
    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return traffic


@dataclass
class Tab:
    """A browser tab for an interaction, in a fresh context, with its traffic record."""

    page: Page
    traffic: Traffic
