"""
HTTP Message Signatures (RFC 9421) on incoming requests: what Mastodon 4.4+ accepts beside
draft-cavage, and may send.

https://www.rfc-editor.org/rfc/rfc9421
https://www.rfc-editor.org/rfc/rfc9530 (Content-Digest)

``signatures`` hands over every request that carries ``Signature-Input``, in the same two steps:
``inspect`` reads ``Signature-Input`` and ``Signature`` (RFC 8941 structured fields, parsed by
``http_sf``) and checks what needs no key: the method, target and body are covered, the body
matches its Content-Digest, the signature is fresh and its algorithm one we accept. ``verify``
then rebuilds the signature base (RFC 9421 §2.5) and checks it with the signer's RSA key.

A request may carry several signatures; the first (in ``Signature-Input`` order) that passes
``inspect`` is the one verified, and when none passes the first one's refusal is given.
"""

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .rules import SignatureError, check_window, public_key, signed_at

__all__ = ["MessageSignature", "inspect", "read", "signature_base", "verify"]

# RFC 9421 §3.3: the RSA algorithms, as our peers' keys are RSA. Without ``alg`` the key decides,
# and an RSA key may have made either, so both are tried (Mastodon sends no ``alg``).
ALGORITHMS = {
    "rsa-v1_5-sha256": (padding.PKCS1v15(), hashes.SHA256()),
    "rsa-pss-sha512": (padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512()),
}
DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}  # RFC 9530's active algorithms
DERIVED = ("@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query", "@query-param")
PARAMETER_TYPES = {"created": int, "expires": int, "keyid": str, "alg": str, "nonce": str, "tag": str}
DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class MessageSignature:
    """
    One labelled signature of a request, as read from its two headers.

    ``components`` are the covered component identifiers as (name, parameters) pairs;
    ``params_text`` is the member of ``Signature-Input`` as the signer serialized it, which the
    signature base ends with (re-serializing it could change what was signed).
    """

    label: str
    components: tuple
    params_text: str
    signature: bytes
    key_id: str | None = None
    algorithm: str | None = None
    created: int | None = None
    expires: int | None = None

    @property
    def names(self):
        return {name for name, _params in self.components}


def _malformed(message):
    return SignatureError("signature_malformed", message)


def _dictionary(value, header, *, strict_parameters):
    """Return the structured field dictionary of ``header``, refusing repeated labels (and parameters)."""

    def refuse_repeat(key, context):
        if context == "dictionary" or strict_parameters:
            raise _malformed(f"The {header} header repeats {key!r}.")

    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary", on_duplicate_key=refuse_repeat)
    except (http_sf.StructuredFieldError, UnicodeEncodeError):
        raise _malformed(f"The {header} header is not a structured field dictionary (RFC 8941).") from None
    if not parsed:
        raise _malformed(f"The {header} header is empty.")
    return parsed


def _member_texts(value):
    """
    Return each label's member text of a dictionary ``http_sf`` has already accepted.

    Commas separate members except inside strings, and strings are the only place a comma or an
    escaped quote can appear in a valid dictionary, so tracking quotes is enough.
    """
    texts, start, quoted, escaped = {}, 0, False, False
    for position, char in enumerate(value + ","):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            label, _, text = value[start:position].strip(" \t").partition("=")
            texts[label] = text
            start = position + 1
    return texts


def _components(label, items):
    if not isinstance(items, list):
        raise _malformed(f"Signature-Input {label!r} is not an inner list of covered components.")
    components, seen = [], set()
    for name, params in items:
        if type(name) is not str or not name or name != name.lower():
            raise _malformed(f"Signature-Input {label!r} covers {name!r}, which is not a lower-case string.")
        identity = (name, tuple(sorted(params.items())))
        if identity in seen:
            raise _malformed(f"Signature-Input {label!r} covers {name!r} twice.")
        seen.add(identity)
        components.append(identity)
    return tuple(components)


def _signature(label, member, params_text, value):
    items, params = member
    components = _components(label, items)
    for name, expected in PARAMETER_TYPES.items():
        if name in params and type(params[name]) is not expected:
            raise _malformed(f"Signature-Input {label!r} has a {name} that is not a {expected.__name__}.")
    if value is None:
        raise _malformed(f"The Signature header has no value for {label!r}.")
    signature, _params = value
    if type(signature) is not bytes or not signature:
        raise _malformed(f"The Signature of {label!r} is not a byte sequence.")
    return MessageSignature(
        label=label,
        components=components,
        params_text=params_text,
        signature=signature,
        key_id=params.get("keyid"),
        algorithm=params.get("alg"),
        created=params.get("created"),
        expires=params.get("expires"),
    )


def read(request):
    """Return the signatures of ``request`` in ``Signature-Input`` order, or refuse headers that are not RFC 9421's."""
    if not request.headers.get("signature"):
        raise SignatureError("signature_missing", "The request has Signature-Input but no Signature header.")
    text = request.headers["signature-input"]
    inputs = _dictionary(text, "Signature-Input", strict_parameters=True)
    values = _dictionary(request.headers["signature"], "Signature", strict_parameters=False)
    texts = _member_texts(text)
    return [_signature(label, member, texts[label], values.get(label)) for label, member in inputs.items()]


def inspect(request, *, now, require_digest=None):
    """
    Return the first signature of ``request`` that passes every check needing no key, or raise
    the first signature's refusal.

    ``require_digest`` defaults to "when the request has a body", as inbox POSTs do.
    """
    refusal = None
    for signature in read(request):
        try:
            _check(signature, request, now, require_digest)
        except SignatureError as exc:
            refusal = refusal or exc
            continue
        return signature
    raise refusal


def _check(signature, request, now, require_digest):
    if not signature.key_id:
        raise SignatureError("keyid_missing", "The signature has no keyid, so its key cannot be found.")
    if signature.algorithm is not None and signature.algorithm not in ALGORITHMS:
        accepted = ", ".join(ALGORITHMS)
        raise SignatureError(
            "algorithm_unsupported", f"Signature algorithm {signature.algorithm!r} is not accepted ({accepted})."
        )
    if require_digest is None:
        require_digest = request.method == "post"
    missing = _uncovered(signature.names, request, require_digest)
    if missing:
        raise SignatureError("components_unsigned", f"The signature must cover {', '.join(missing)}.")
    if "content-digest" in signature.names:
        _check_content_digest(request)
    signature_base(signature, request, _authorities(request)[0])  # every covered component is there
    if signature.created is None:
        raise SignatureError("created_missing", "The signature has no created time, so its age is unknown.")
    check_window(signed_at(signature.created), now, signature.expires)


def _uncovered(names, request, require_digest):
    """Return what the signature must cover and does not: the method, the whole target, a body."""
    missing = []
    if "@method" not in names:
        missing.append("@method")
    has_query = "?" in request.path
    by_parts = "@authority" in names and (
        "@request-target" in names or ("@path" in names and ("@query" in names or not has_query))
    )
    if "@target-uri" not in names and not by_parts:
        missing.append("@target-uri (or @authority and @path" + (" and @query)" if has_query else ")"))
    if require_digest and "content-digest" not in names:
        missing.append("content-digest")
    return missing


def _check_content_digest(request):
    value = request.headers.get("content-digest")
    if value is None:
        raise SignatureError("digest_missing", "The signed Content-Digest header is not in the request.")
    try:
        offered = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (http_sf.StructuredFieldError, UnicodeEncodeError):
        raise SignatureError("digest_malformed", "The Content-Digest header could not be read (RFC 9530).") from None
    known = {algorithm: member[0] for algorithm, member in offered.items() if algorithm in DIGESTS}
    if not known:
        raise SignatureError("digest_missing", "The Content-Digest header has no sha-256 or sha-512 value.")
    for algorithm, expected in known.items():
        if type(expected) is not bytes:
            raise SignatureError("digest_malformed", f"The Content-Digest {algorithm} value is not a byte sequence.")
        if not hmac.compare_digest(expected, DIGESTS[algorithm](request.body).digest()):
            raise SignatureError("digest_mismatch", "The body does not match its Content-Digest.")


def _authorities(request):
    """
    Return the request's @authority as RFC 9421 §2.2.3 normalizes it, then without its port.

    As with draft-cavage's ``host``, a peer may sign our host name without the port it connected
    to (a development URL), so the bare host is tried too.
    """
    host = request.headers.get("host", "").strip().lower()
    name, colon, port = host.rpartition(":")
    if not colon or "]" in port:
        return [host]
    if port == DEFAULT_PORTS.get(request.scheme.lower()):
        return [name]
    return [host, name]


def _reencoded(value):
    """Percent-encode as RFC 9421 §2.2.8 asks: the form-urlencoded set, spaces as %20."""
    return quote(value, safe="*").replace("~", "%7E")


def _query_param(params, query):
    name = params.get("name")
    if set(params) != {"name"} or type(name) is not str:
        raise SignatureError("component_unsupported", '"@query-param" needs exactly a string name parameter.')
    values = [value for key, value in parse_qsl(query, keep_blank_values=True) if _reencoded(key) == name]
    if not values:
        raise SignatureError("component_missing", f"The signed query parameter {name!r} is not in the request.")
    if len(values) > 1:
        raise SignatureError("component_unsupported", f"The signed query parameter {name!r} occurs more than once.")
    return _reencoded(values[0])


def _derived(name, params, request, authority):
    """Return the value of a derived component (RFC 9421 §2.2)."""
    path, _, query = request.path.partition("?")
    if name == "@query-param":
        return _query_param(params, query)
    if params or name not in DERIVED:
        raise SignatureError("component_unsupported", f"The covered component {name!r} is not supported.")
    if not authority and name in ("@authority", "@target-uri"):
        raise SignatureError("component_missing", "The request has no Host, which the signature covers.")
    return {
        "@method": request.method.upper(),
        "@scheme": request.scheme.lower(),
        "@authority": authority,
        "@target-uri": f"{request.scheme.lower()}://{authority}{request.path}",
        "@request-target": request.path,
        "@path": path or "/",
        "@query": "?" + query,
    }[name]


def _field(name, params, request):
    """Return the value of a header field component (RFC 9421 §2.1), without its parameters."""
    if params:
        raise SignatureError("component_unsupported", f"Parameters on the covered field {name!r} are not supported.")
    if name not in request.headers:
        raise SignatureError("component_missing", f"The signed header {name!r} is not in the request.")
    return request.headers[name].strip(" \t")


def signature_base(signature, request, authority):
    """Return the signature base (RFC 9421 §2.5) of ``signature`` over ``request``, as bytes."""
    lines = []
    for name, params in signature.components:
        params = dict(params)
        value = _derived(name, params, request, authority) if name.startswith("@") else _field(name, params, request)
        lines.append(f"{http_sf.ser((name, params))}: {value}")
    lines.append(f'"@signature-params": {signature.params_text}')
    base = "\n".join(lines)
    if not base.isascii() or "\r" in base or base.count("\n") != len(lines) - 1:
        raise SignatureError("component_invalid", "A covered component's value cannot be signed (RFC 9421 §2.5).")
    return base.encode("ascii")


def verify(signature, request, public_key_pem):
    """Check ``signature`` over ``request`` with the signer's RSA public key; return it, or raise."""
    key = public_key(public_key_pem)
    algorithms = [signature.algorithm] if signature.algorithm else list(ALGORITHMS)
    bases = dict.fromkeys(signature_base(signature, request, authority) for authority in _authorities(request))
    for base in bases:
        for algorithm in algorithms:
            signing_padding, digest = ALGORITHMS[algorithm]
            try:
                key.verify(signature.signature, base, signing_padding, digest)
            except InvalidSignature:
                continue
            return signature
    raise SignatureError("signature_invalid", "The signature does not verify with the signer's key.")
