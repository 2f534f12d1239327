"""
The one outbound HTTP client: every request our servers make to another server goes through here.

A URL given to us by a peer is untrusted. This client bounds what fetching it may cost (connect 5 s,
read 10 s, a body cap counted while streaming, at most 3 redirects) and gives the whole request one
deadline, 30 s unless the caller asks for less: connecting (to every address the name resolves to),
the TLS handshake, status line, headers, body and every redirect share it, so a peer that answers
a byte at a time holds a thread no longer (``apps.core.outbound.deadline`` says how). It refuses to reach
our own network: every address a host name resolves to is checked when the socket is opened, so
DNS that changes between a check and the connection (rebinding) gains nothing.
``ROSEASH_FEDERATION_ALLOW_PRIVATE`` turns the address check off for development and tests;
``ROSEASH_OUTBOUND_ALLOW_NETWORKS`` instead lets through only the networks it names (``127.0.0.0/8``
for a test server on loopback) while every other private address is still refused.
``ROSEASH_RESOLVE`` (development and tests, like ``curl --resolve``) maps host names to addresses
before they are looked up, so made-up domains such as ``blog.alpha.test`` reach local servers; the
mapped address is checked like any other.

Requests to our own hosts go to ``ROSEASH_INTERNAL_URL`` with the right ``Host`` (see
``apps.core.sites.internal_request_target``); that address is set by the operator and trusted.

Certificates are verified against ``ROSEASH_CA_BUNDLE`` when the operator names one (a cooperative
behind its own certificate authority), else against certifi's set.

Connections are kept alive between requests: each thread has one ``requests`` session for checked
and one for trusted targets, so a worker delivering to many inboxes on one host (fan-out without
shared inboxes) connects and shakes hands with it once. A kept connection was checked when it was
opened; each exchange puts it under its own watchdog when it takes it from the pool. Measured on
2026-12-02, 300 POSTs one after another to a local TLS server: 0.9-1.3 ms each kept alive, 3.4-3.5
ms each with a connection and handshake apiece (and a real peer adds its round trips to those).
"""

import functools
import ipaddress
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import HTTPError as Urllib3Error

from ..sites import internal_request_target, portal
from .deadline import Deadline, Watchdog

__all__ = [
    "AddressRefused",
    "BodyTooLarge",
    "DeadlineExceeded",
    "HttpClientError",
    "RedirectRefused",
    "Response",
    "address_refusal",
    "get",
    "request",
    "within",
]

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
DEADLINE = 30
MAX_BODY = 1_048_576
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "RoseAsh/0.1"
CHUNK = 16_384

# Networks no peer lives on. ``ipaddress`` flags most of them, but calls 6to4, NAT64 and some
# multicast ranges global, so the embedded IPv4 address of those forms is checked as well.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class HttpClientError(Exception):
    """The request did not produce a usable answer; ``reason`` says why, for logs and operators."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class AddressRefused(HttpClientError):
    """The URL names a scheme, host or address we do not fetch from."""


class RedirectRefused(HttpClientError):
    """A redirect went where the caller does not follow, or there were too many."""


class BodyTooLarge(HttpClientError):
    """The answer was longer than the caller's cap."""


class DeadlineExceeded(HttpClientError):
    """The whole exchange took longer than the deadline."""


@dataclass(frozen=True)
class Response:
    """A complete answer: final URL (as we name it, not the internal address), status, headers, body."""

    url: str
    status: int
    headers: dict = field(repr=False)
    content: bytes = field(repr=False)
    redirects: tuple = ()

    @property
    def media_type(self):
        """Return the Content-Type without parameters, lower-cased (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def media_type_params(self):
        """Return the Content-Type parameters as a dict with lower-cased names and unquoted values."""
        params = {}
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip():
                params[name.strip().lower()] = value.strip().strip('"')
        return params


def address_refusal(address):
    """Return why ``address`` may not be connected to, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = None
        if ip.ipv4_mapped is not None:
            embedded = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            embedded = ip.sixtofour
        elif any(ip in network for network in NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None:
            inner = address_refusal(str(embedded))
            return f"{address} embeds {inner}" if inner else None
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{flag}"):
            return f"{address} is a {flag.replace('_', '-')} address"
    if ip.version == 4 and ip in CGNAT:
        return f"{address} is a carrier-grade NAT address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


def resolve_override(host):
    """Return the address ``ROSEASH_RESOLVE`` maps ``host`` to (exactly, or by a ``*.suffix``), else ``host``."""
    mapping = settings.ROSEASH_RESOLVE
    if not mapping:
        return host
    name = host.lower().rstrip(".")
    if name in mapping:
        return mapping[name]
    for pattern, address in mapping.items():
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return address
    return host


def _resolve(host, port, refuse_private):
    """Resolve ``host``; when ``refuse_private``, refuse them all if any one address is not public."""
    host = resolve_override(host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NewConnectionError(None, f"cannot resolve {host}: {exc}") from exc
    allowed = _allowed_networks(settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS)
    for *_rest, sockaddr in infos if refuse_private else ():
        reason = address_refusal(sockaddr[0])
        if reason and not _within(sockaddr[0], allowed):
            raise _Refused(f"{host} resolves to {reason}")
    return infos


@functools.lru_cache(maxsize=8)
def _allowed_networks(names):
    """Return the networks ``ROSEASH_OUTBOUND_ALLOW_NETWORKS`` names (a tuple of CIDR strings)."""
    return tuple(ipaddress.ip_network(name, strict=False) for name in names)


def _within(address, networks):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return any(ip.version == network.version and ip in network for network in networks)


class _Refused(NewConnectionError):
    """Raised inside urllib3 so it surfaces as a connection error that we translate."""

    def __init__(self, reason):
        super().__init__(None, reason)
        self.reason = reason


class _ResolvingConnectionMixin:
    """
    Resolve, check every address, then connect to a checked address (never resolving again), all
    addresses within what is left of the deadline, and put the socket under the exchange's watchdog.

    Every request takes this path, checked or not, so tests that allow loopback exercise the same
    connection code (TLS included: certificates are still verified against the host name).
    """

    def __init__(self, *args, refuse_private, **kwargs):
        super().__init__(*args, **kwargs)
        self.refuse_private = refuse_private

    def _new_conn(self):
        infos = _resolve(self._dns_host, self.port, self.refuse_private)
        watchdog = _current.watchdog
        last_error = None
        for family, socktype, proto, _canon, sockaddr in infos:
            remaining = watchdog.remaining()
            if remaining <= 0:
                raise ConnectTimeoutError(self, f"no time left to connect to {self.host}")
            sock = socket.socket(family, socktype, proto)
            try:
                sock.settimeout(min(self.timeout, remaining))
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.connect(sockaddr)
                watchdog.watch(sock)
                return sock
            except TimeoutError as exc:
                sock.close()
                last_error = ConnectTimeoutError(self, f"connecting to {self.host} timed out")
                last_error.__cause__ = exc
            except OSError as exc:
                sock.close()
                last_error = NewConnectionError(self, f"cannot connect to {self.host}: {exc}")
        raise last_error or NewConnectionError(self, f"{self.host} has no address")


class _ResolvingHTTPConnection(_ResolvingConnectionMixin, HTTPConnection):
    pass


class _ResolvingHTTPSConnection(_ResolvingConnectionMixin, HTTPSConnection):
    pass


class _WatchedPoolMixin:
    """A connection kept alive from an earlier exchange goes under the current exchange's watchdog."""

    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)
        if conn.sock is not None:
            _current.watchdog.watch(conn.sock)
        return conn


class _ResolvingHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _ResolvingHTTPConnection


class _ResolvingHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _ResolvingHTTPSConnection


class _CheckingPoolManager(PoolManager):
    """Open connections through our checks (or, for trusted targets, through the same code unchecked)."""

    def __init__(self, refuse_private, **kwargs):
        super().__init__(**kwargs)
        self.pool_classes_by_scheme = {"http": _ResolvingHTTPPool, "https": _ResolvingHTTPSPool}
        self.exchange_kw = {"refuse_private": refuse_private}

    def _new_pool(self, scheme, host, port, request_context=None):
        # urllib3's hook for customising new pools; whatever the pool is given beyond its own
        # arguments, it passes to each connection it opens.
        context = self.connection_pool_kw if request_context is None else request_context
        return super()._new_pool(scheme, host, port, {**context, **self.exchange_kw})


class _ResolvingAdapter(HTTPAdapter):
    def __init__(self, refuse_private):
        self.refuse_private = refuse_private
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self.poolmanager = _CheckingPoolManager(
            self.refuse_private, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )


class _ThreadState(threading.local):
    """
    This thread's two sessions (their pools keep connections alive), its exchange's watchdog, and
    the deadline a caller set on a whole block of requests (``within``).
    """

    watchdog = None
    budget = None

    def __init__(self):
        self.sessions = {}


_current = _ThreadState()


def _session(refuse_private):
    """Return this thread's session for checked (``refuse_private``) or trusted targets."""
    session = _current.sessions.get(refuse_private)
    if session is None:
        session = requests.Session()
        # Not trust_env: a proxy from the environment would connect for us, to addresses never
        # checked. Of what it would bring, only the CA bundle is wanted: ROSEASH_CA_BUNDLE.
        session.trust_env = False
        adapter = _ResolvingAdapter(refuse_private)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _current.sessions[refuse_private] = session
    return session


def _check_url(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(f"{url!r}: only http and https URLs are fetched")
    if not parts.hostname:
        raise AddressRefused(f"{url!r} names no host")
    if parts.username or parts.password:
        raise AddressRefused(f"{url!r}: credentials in URLs are not sent")


def _same_host(a, b):
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


@contextmanager
def within(seconds):
    """
    Make every request this thread sends inside the block end by ``seconds`` from now, together.

    For a caller that must answer its own client soon whatever it fetches on the way: the inbox
    fetching an unknown signer's actor inside the POST (WebFinger, an alias hop and redirects
    included) shares one budget, so a slow peer cannot keep a web thread past it. A tighter
    enclosing budget stays in force.
    """
    previous = _current.budget
    if previous is None or previous.remaining() > seconds:
        _current.budget = Deadline(seconds)
    try:
        yield
    finally:
        _current.budget = previous


def request(
    method,
    url,
    *,
    headers=None,
    data=None,
    max_bytes=MAX_BODY,
    max_redirects=MAX_REDIRECTS,
    same_host_redirects=False,
    deadline=DEADLINE,
):
    """
    Send one request and return the whole ``Response``, following up to ``max_redirects`` redirects.

    Raises ``HttpClientError`` (or a subclass naming the refusal) when no answer could be had within
    the limits; ``DeadlineExceeded`` when the request, redirects included, took more than
    ``deadline`` seconds. Redirects are followed only for GET and HEAD; with ``same_host_redirects``
    a redirect to another host is refused rather than followed. Any status is a ``Response``: the
    caller decides what a 404 means. Inside ``within``, the block's deadline applies when it is sooner.
    """
    cutoff = Deadline(deadline)
    if _current.budget is not None and _current.budget.at < cutoff.at:
        cutoff = _current.budget
    allow_private = settings.ROSEASH_FEDERATION_ALLOW_PRIVATE
    redirects = []
    current = url
    while True:
        _check_url(current)
        target, host_header = internal_request_target(current)
        # The operator's internal address is trusted; everything else is checked at connect time.
        trusted = bool(host_header) or allow_private
        answer = _exchange(method, target, {**(headers or {}), **host_header}, data, max_bytes, cutoff, trusted)
        if answer.status not in REDIRECT_STATUSES or method not in ("GET", "HEAD"):
            return Response(current, answer.status, answer.headers, answer.content, tuple(redirects))
        location = answer.headers.get("location")
        if not location:
            return Response(current, answer.status, answer.headers, answer.content, tuple(redirects))
        following = urljoin(current, location)
        if len(redirects) >= max_redirects:
            raise RedirectRefused(f"more than {max_redirects} redirects, the last to {following}")
        if same_host_redirects and not _same_host(current, following):
            raise RedirectRefused(f"{current} redirects to another host: {following}")
        redirects.append(following)
        current = following


def get(url, **kwargs):
    """Send a GET; see ``request``."""
    return request("GET", url, **kwargs)


def _exchange(method, url, headers, data, max_bytes, cutoff, trusted):
    """Make one HTTP exchange within ``cutoff`` without following redirects."""
    too_late = f"{url} did not answer within the {cutoff.seconds}s deadline"
    if cutoff.passed:
        raise DeadlineExceeded(too_late)
    with Watchdog(cutoff) as watchdog:
        _current.watchdog = watchdog
        try:
            answer = _send(method, url, headers, data, max_bytes, trusted)
        except HttpClientError as exc:
            if watchdog.expired:
                raise DeadlineExceeded(too_late) from exc
            raise
        # The watchdog ends an exchange by shutting its connection, which can pass for the end of
        # a body that has no length: an answer it cut short is no answer.
        if watchdog.expired:
            raise DeadlineExceeded(too_late)
        return answer


def _send(method, url, headers, data, max_bytes, trusted):
    """Send the request and read the answer, at most ``max_bytes`` of body; translate failures."""
    # Peers' operators see who we are and where to look us up.
    user_agent = f"{USER_AGENT} (+{portal().origin})"
    sent_headers = {"User-Agent": user_agent, "Accept-Encoding": "identity", **headers}
    timeout = (CONNECT_TIMEOUT, READ_TIMEOUT)
    verify = settings.ROSEASH_CA_BUNDLE or True
    session = _session(not trusted)
    try:
        with session.request(
            method,
            url,
            headers=sent_headers,
            data=data,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
            verify=verify,
        ) as answer:
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise BodyTooLarge(f"{url} announces {declared} bytes, more than the {max_bytes} allowed")
            body = bytearray()
            while chunk := answer.raw.read1(CHUNK, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    raise BodyTooLarge(f"{url} sent more than the {max_bytes} bytes allowed")
            answer.raw.release_conn()  # read to its end: the connection may serve the next request
            return Response(url, answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, bytes(body))
    except requests.ConnectionError as exc:
        refused = _find_refusal(exc)
        if refused:
            raise AddressRefused(refused.reason) from exc
        raise HttpClientError(f"cannot connect to {url}: {_short(exc)}") from exc
    except (requests.Timeout, ReadTimeoutError) as exc:
        raise HttpClientError(f"timed out talking to {url}") from exc
    except Urllib3Error as exc:  # raised while reading the body, outside requests' wrapping
        raise HttpClientError(f"{url}: {_short(exc)}") from exc
    except requests.RequestException as exc:
        raise HttpClientError(f"{url}: {_short(exc)}") from exc


def _find_refusal(exc):
    """Return the ``_Refused`` buried in a requests/urllib3 error chain, if there is one."""
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _Refused):
            return current
        # ``reason`` is an exception on urllib3's errors but a string on ssl's.
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args)
        stack.extend(link for link in linked if isinstance(link, BaseException))
    return None


def _short(exc):
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
