"""
HTTP signatures as the fediverse speaks them: draft-cavage-http-signatures-12, Mastodon's dialect.

https://datatracker.ietf.org/doc/html/draft-cavage-http-signatures-12
https://docs.joinmastodon.org/spec/security/#http

Kept apart from Django and from key lookup: bytes and mappings in, typed values out. Verifying is
two steps so that a request can be refused before any key is fetched: ``inspect`` parses the
``Signature`` header and checks everything that needs no key (algorithm, which headers are signed,
the body's Digest, the date window); ``verify`` then checks the signature with the signer's key.

A request that carries ``Signature-Input`` speaks RFC 9421 instead (Mastodon 4.4+ accepts it, and
may send it): both steps hand it to ``message_signatures``, under the same rules
(``signature_rules``).
"""

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from . import rfc9421
from .rules import SignatureError, check_window, public_key
from .rules import signed_at as signed_at_timestamp

__all__ = [
    "SignatureError",
    "SignatureParams",
    "SignedRequest",
    "digest",
    "inspect",
    "sign",
    "verify",
]

ALGORITHMS = ("rsa-sha256", "hs2019")  # hs2019: the algorithm comes from the key, which is RSA here
POST_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
GET_HEADERS = ("(request-target)", "host", "date", "accept")
PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*(?:"([^"]*)"|([0-9]+))\s*(?:,|$)')


@dataclass(frozen=True)
class SignedRequest:
    """An incoming request as signatures see it; ``headers`` keys are lower case."""

    method: str
    path: str  # with the query string, as it was requested
    headers: dict
    body: bytes = b""
    scheme: str = "https"  # how the request reached us: RFC 9421's @target-uri and @scheme sign it

    @classmethod
    def build(cls, method, path, headers, body=b"", scheme="https"):
        return cls(method.lower(), path, {key.lower(): value for key, value in headers.items()}, body, scheme)


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    algorithm: str
    headers: tuple
    signature: bytes
    created: int | None = None
    expires: int | None = None


def digest(body):
    """Return the ``Digest`` header value of ``body`` (RFC 3230, SHA-256)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign(method, url, *, key_id, private_key_pem, body=None, headers=None, now=None):
    """
    Return the headers to send with a signed request: the given ones plus Host, Date, Signature,
    and for a body Digest. POSTs sign the body's Digest and Content-Type; GETs sign Accept.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    out = {key.lower(): value for key, value in (headers or {}).items()}
    out.setdefault("host", parts.netloc)
    out["date"] = format_datetime(now or datetime.now(UTC), usegmt=True)
    if body is not None:
        out["digest"] = digest(body)
        out.setdefault("content-type", "application/activity+json")
        signed = POST_HEADERS
    else:
        signed = tuple(name for name in GET_HEADERS if name in out or name == "(request-target)")
    text = signing_string(signed, method, path, out, None, None)
    key = _private_key(private_key_pem)
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    out["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {_header_case(name): value for name, value in out.items()}


@lru_cache(maxsize=8)
def _private_key(pem):
    """Return the loaded private key: loading checks the RSA key and costs ~40 ms, signing ~0.3 ms."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def _header_case(name):
    return "-".join(part.capitalize() for part in name.split("-"))


def parse(value):
    """Return the parameters of a ``Signature`` header, or raise ``SignatureError``."""
    params, position = {}, 0
    for match in PARAM.finditer(value):
        if match.start() != position:
            break
        params[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
        position = match.end()
    if position != len(value) or not params.get("keyId") or not params.get("signature"):
        raise SignatureError("signature_malformed", "The Signature header could not be parsed.")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        created = int(params["created"]) if "created" in params else None
        expires = int(params["expires"]) if "expires" in params else None
    except ValueError:
        raise SignatureError("signature_malformed", "The Signature header has a malformed value.") from None
    return SignatureParams(
        key_id=params["keyId"],
        algorithm=params.get("algorithm", "hs2019").lower(),
        headers=tuple(params.get("headers", "(created)").lower().split()),
        signature=signature,
        created=created,
        expires=expires,
    )


def inspect(request, *, now=None, require_digest=None):
    """
    Return the signature parameters of ``request`` once every check that needs no key has passed.

    ``require_digest`` defaults to "when the request has a body", as inbox POSTs do.
    """
    now = now or datetime.now(UTC)
    if "signature-input" in request.headers:
        return rfc9421.inspect(request, now=now, require_digest=require_digest)
    value = request.headers.get("signature")
    if not value:
        raise SignatureError("signature_missing", "The request is not signed (no Signature header).")
    params = parse(value)
    if params.algorithm not in ALGORITHMS:
        raise SignatureError("algorithm_unsupported", f"Signature algorithm {params.algorithm!r} is not accepted.")
    required = {"(request-target)", "host"}
    if require_digest if require_digest is not None else request.method == "post":
        required.add("digest")
    missing = required - set(params.headers)
    if "date" not in params.headers and "(created)" not in params.headers:
        missing.add("date")
    if missing:
        names = ", ".join(sorted(missing))
        raise SignatureError("headers_unsigned", f"The signature must cover {names}.")
    for name in params.headers:
        if not name.startswith("(") and name not in request.headers:
            raise SignatureError("header_missing", f"The signed header {name!r} is not in the request.")
    if "digest" in params.headers:
        _check_digest(request)
    _check_time(params, request, now)
    return params


def _check_digest(request):
    offered = {}
    for item in request.headers["digest"].split(","):
        algorithm, _, value = item.strip().partition("=")
        offered[algorithm.lower()] = value
    if "sha-256" not in offered:
        raise SignatureError("digest_missing", "The Digest header has no SHA-256 value.")
    if offered["sha-256"] != digest(request.body).partition("=")[2]:
        raise SignatureError("digest_mismatch", "The body does not match its Digest.")


@lru_cache(maxsize=256)
def _http_date(value):
    """Return the aware datetime of an HTTP date; kept, as requests signed in the same second share it."""
    try:
        signed_at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise SignatureError("date_invalid", "The Date header is not an HTTP date.") from None
    return signed_at if signed_at.tzinfo is not None else signed_at.replace(tzinfo=UTC)


def _check_time(params, request, now):
    if "date" in params.headers:
        signed_at = _http_date(request.headers["date"])
    elif params.created is not None:
        signed_at = signed_at_timestamp(params.created)
    else:
        raise SignatureError("date_invalid", "(created) is signed but has no value.")
    check_window(signed_at, now, params.expires)


def signing_string(names, method, path, headers, created, expires):
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        elif name == "(created)":
            lines.append(f"(created): {created}")
        elif name == "(expires)":
            lines.append(f"(expires): {expires}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def verify(params, request, public_key_pem):
    """
    Check ``params.signature`` over ``request`` with the signer's public key, or raise.

    Peers often sign ``host`` without the port they connected to, so when the Host header carries
    a port the bare host name is tried as well.
    """
    if isinstance(params, rfc9421.MessageSignature):
        return rfc9421.verify(params, request, public_key_pem)
    key = public_key(public_key_pem)
    hosts = [request.headers.get("host", "")]
    if ":" in hosts[0] and not hosts[0].endswith("]"):
        hosts.append(hosts[0].rsplit(":", 1)[0])
    for host in hosts:
        text = signing_string(
            params.headers,
            request.method,
            request.path,
            {**request.headers, "host": host},
            params.created,
            params.expires,
        )
        try:
            key.verify(params.signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return params
    raise SignatureError("signature_invalid", "The signature does not verify with the signer's key.")
