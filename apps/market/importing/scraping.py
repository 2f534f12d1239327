"""
Fetching from producers' shops as a polite robot: robots.txt, a delay per host, our own User-Agent.

Everything goes through ``apps.core.outbound.http_client`` (no private addresses, redirects checked hop by hop, a
size cap and a deadline), robots.txt included. The robots.txt of a shop is kept in the cache for an
hour. The delay between two requests to one host is a lease in the shared cache (Redis in
production): whichever worker or command takes it first may send, the others wait until it expires,
so a command importing many URLs and the re-scrape beat task do not add up against one shop.
Failures come out as ``RoseAshError`` whose message starts with the URL, for one-line reports.
"""

import hashlib
import math
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from django.conf import settings
from django.core.cache import cache

from apps.core.errors import RoseAshError
from apps.core.outbound import http_client
from apps.core.sites import portal

__all__ = [
    "MAX_PAGE_BYTES",
    "ROBOTS_AGENT",
    "fetch_page",
    "normalise_url",
    "polite_get",
    "user_agent",
]

MAX_PAGE_BYTES = 5 * 1024 * 1024  # the heaviest shop page seen in the wild is well under this
ROBOTS_MAX_BYTES = 512 * 1024  # what Google reads of a robots.txt
ROBOTS_TTL = 3600
ROBOTS_AGENT = "RoseAsh"  # the product token of our User-Agent, which robots.txt groups name
MAX_CRAWL_DELAY = 30  # a robots.txt asking for more is honoured only up to this
MAX_WAIT = 90  # seconds a request waits for its turn at a busy host before giving up
POLL = 0.1
# Query parameters that only track a visit: dropped, so the same page has one address.
TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga", "ref")
ROBOTS_RETRY = 300  # an unreadable robots.txt is asked again sooner
ALLOW_ALL = ""
UNAVAILABLE = "# unavailable:"  # marks a robots.txt we could not read, kept in the cache like the text


def user_agent():
    """Our User-Agent: the platform, and where a shop's owner can read who we are."""
    return f"{http_client.USER_AGENT} (+{portal().origin}; {ROBOTS_AGENT} market product import)"


def normalise_url(url: str) -> str:
    """
    Return the one spelling of a shop page's address: scheme and host lower-cased, default port,
    fragment and tracking parameters dropped, the other parameters sorted. Raise ``RoseAshError``
    for what is not an http(s) address.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or port == -1:
        raise RoseAshError("url_invalid", f"{text or '(empty)'}: not a web page address (give an http or https URL).")
    if parts.username or parts.password:
        raise RoseAshError("url_invalid", f"{text}: an address with a user name or password is not fetched.")
    scheme = parts.scheme.lower()
    host = parts.hostname.rstrip(".")
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, {"http": 80, "https": 443}[scheme]) else f"{host}:{port}"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith(TRACKING)
    )
    normal = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    if len(normal) > 500:
        raise RoseAshError("url_invalid", f"{text[:80]}...: the address is longer than the 500 characters we keep.")
    return normal


def fetch_page(url: str, *, etag: str = "", last_modified: str = "") -> http_client.Response:
    """
    GET a shop page politely, conditionally when validators from an earlier answer are given
    (the caller reads 304 as unchanged). Any status is an answer; the caller decides what it means.
    """
    headers = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return polite_get(url, headers=headers, max_bytes=MAX_PAGE_BYTES)


def polite_get(url: str, *, headers=None, max_bytes: int) -> http_client.Response:
    """
    GET ``url`` if its robots.txt allows us, after waiting our turn at its host. The client follows
    redirects itself, so where one led is checked afterwards: an answer from a page robots.txt
    forbids is not used.
    """
    crawl_delay = _robots_allow(url)
    answer = _get(url, headers=headers, max_bytes=max_bytes, crawl_delay=crawl_delay)
    if answer.redirects:
        try:
            _robots_allow(answer.url)
        except RoseAshError as exc:
            raise RoseAshError(exc.code, f"{url}: it redirects to {exc.message}") from None
    return answer


def _get(url, *, headers, max_bytes, crawl_delay=0):
    _wait_turn(urlsplit(url).netloc.lower(), max(_delay(), crawl_delay))
    try:
        return http_client.get(url, headers={"User-Agent": user_agent(), **(headers or {})}, max_bytes=max_bytes)
    except http_client.HttpClientError as exc:
        raise RoseAshError("fetch_failed", f"{url}: {_reason(exc)}", status=502) from exc


def _reason(exc):
    if isinstance(exc, http_client.BodyTooLarge):
        return f"the answer is too large ({exc.reason})"
    if isinstance(exc, (http_client.AddressRefused, http_client.RedirectRefused)):
        return f"refused: {exc.reason}"
    return f"could not be fetched: {exc.reason}"


def _delay():
    return float(getattr(settings, "MARKET_SCRAPE_DELAY", 1.0))


def _wait_turn(host, delay):
    """
    Wait until no request to ``host`` has been sent for ``delay`` seconds (rounded up to whole
    seconds: what the cache's expiry counts in), across every process sharing the cache.
    """
    if delay <= 0:
        return
    key = f"market:scrape:turn:{hashlib.sha256(host.encode()).hexdigest()[:32]}"
    give_up = time.monotonic() + MAX_WAIT
    while not cache.add(key, 1, timeout=math.ceil(delay)):
        if time.monotonic() > give_up:
            raise RoseAshError("host_busy", f"{host}: waited {MAX_WAIT}s for our turn at this shop; try again later.")
        time.sleep(POLL)


def _robots_allow(url):
    """Refuse ``url`` when its robots.txt disallows us; return the Crawl-delay it asks of us (capped)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    key = f"market:scrape:robots:{hashlib.sha256(origin.encode()).hexdigest()[:32]}"
    text = cache.get(key)
    if text is None:
        text = _fetch_robots(origin)
        cache.set(key, text, ROBOTS_RETRY if text.startswith(UNAVAILABLE) else ROBOTS_TTL)
    if text.startswith(UNAVAILABLE):
        reason = text.splitlines()[0].removeprefix(UNAVAILABLE).strip()
        raise RoseAshError(
            "robots_unavailable",
            f"{url}: {origin}/robots.txt could not be read ({reason}), so nothing there is fetched.",
        )
    rules = RobotFileParser()
    rules.parse(text.splitlines())
    if not rules.can_fetch(ROBOTS_AGENT, url):
        raise RoseAshError("robots_disallowed", f"{url}: {origin}/robots.txt does not allow us to fetch this page.")
    return min(float(rules.crawl_delay(ROBOTS_AGENT) or 0), MAX_CRAWL_DELAY)


def _fetch_robots(origin):
    """
    Return the text of ``origin``'s robots.txt as RFC 9309 reads failures: none there (4xx) allows
    everything; a server error or no answer disallows everything until we ask again (the text
    returned then starts with ``UNAVAILABLE`` and the reason).
    """
    try:
        answer = _get(f"{origin}/robots.txt", headers={"Accept": "text/plain"}, max_bytes=ROBOTS_MAX_BYTES)
    except RoseAshError as exc:
        return f"{UNAVAILABLE} {exc.message.removeprefix(origin + '/robots.txt: ')}\n"
    if 400 <= answer.status < 500:
        return ALLOW_ALL
    if answer.status != 200:
        return f"{UNAVAILABLE} the shop answered {answer.status}\n"
    return answer.content.decode("utf-8", errors="replace")
