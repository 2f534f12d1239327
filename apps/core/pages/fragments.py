"""
Fragments: pieces of one site's UI shown on another (the cart badge in the blog's header).

An app registers a fragment in its ``fragments.py``, which its ``AppConfig.ready()`` imports::

    @fragment("cart.badge", vary=("cart",), ttl=30)
    def badge(context):
        return render_to_string("cart/badge.html", {...})

The ``{% fragment "cart.badge" %}`` tag renders it in-process through the cache; the cache key
holds exactly the vary values the fragment declares, so two members never share an answer that
depends on who they are. An app whose fragments vary on something new registers how to read it
from a request with ``vary_key`` in its own ``ready()``; since apps get ready in any order, a
fragment's vary keys are checked once all are, by a system check (``unknown_vary_keys``). Split
deployments fetch the same fragment from
``/internal/fragments/<name>``, which answers only requests signed with the internal secret.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property

from ..errors import RoseAshError

__all__ = [
    "FragmentContext",
    "cache_key",
    "context_from_request",
    "forget_fragment",
    "fragment",
    "get_fragment",
    "is_personal",
    "render_fragment",
    "sign_fragment_request",
    "unknown_vary_keys",
    "vary_key",
    "verify_fragment_request",
]

SIGNATURE_HEADER = "X-Roseash-Signature"
TIMESTAMP_HEADER = "X-Roseash-Timestamp"
SIGNATURE_MAX_AGE = 300  # seconds either side of now; a captured request is worthless after this
CACHE_VERSION = 1


@dataclass(frozen=True)
class Fragment:
    name: str
    render: object
    vary: tuple
    ttl: int


@dataclass(frozen=True)
class FragmentContext:
    """What a fragment may depend on: the values of the vary keys it declares, as strings."""

    values: dict = field(default_factory=dict)

    @cached_property
    def user(self):
        """Return the member the fragment is shown to, or None for a visitor (vary on ``user``)."""
        user_id = self.values.get("user")
        if not user_id:
            return None
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()


_fragments = {}
_vary_keys = {}


_personal_keys = set()


def vary_key(name, *, personal=True):
    """
    Register how to read a vary value from a request: ``@vary_key("cart") def f(request): ...``.

    A ``personal`` value (the member, their basket) makes a page showing the fragment that
    person's own: pages kept for every visitor are not kept for a request that has one.
    """

    def register(resolver):
        _vary_keys[name] = resolver
        if personal:
            _personal_keys.add(name)
        return resolver

    return register


vary_key("user")(lambda request: str(request.user.pk) if request.user.is_authenticated else "")
vary_key("site", personal=False)(lambda request: getattr(request, "site_name", ""))


def is_personal(request):
    """Return whether a fragment could show ``request`` something of its own (a member, a basket)."""
    return any(_vary_keys[key](request) for key in _personal_keys)


def fragment(name, *, vary=(), ttl=60):
    """Register a fragment renderer under ``name``; ``vary`` names what its output depends on."""

    def register(render):
        _fragments[name] = Fragment(name, render, tuple(sorted(vary)), ttl)
        return render

    return register


def unknown_vary_keys():
    """Return ``{fragment name: [vary keys nobody registered]}`` for the fragments that have any."""
    found = {}
    for frag in _fragments.values():
        unknown = [key for key in frag.vary if key not in _vary_keys]
        if unknown:
            found[frag.name] = unknown
    return found


def get_fragment(name):
    try:
        return _fragments[name]
    except KeyError:
        raise RoseAshError("fragment_unknown", f"There is no fragment named {name!r}.", status=404) from None


def cache_key(frag, values):
    varying = "&".join(f"{key}={values.get(key, '')}" for key in frag.vary)
    digest = hashlib.sha256(varying.encode()).hexdigest()[:32]
    return f"fragment:{CACHE_VERSION}:{frag.name}:{digest}"


def render_fragment(name, context):
    """Return the fragment's HTML for ``context``, from the cache while it is fresh."""
    frag = get_fragment(name)
    values = {key: context.values.get(key, "") for key in frag.vary}
    key = cache_key(frag, values)
    html = cache.get(key)
    if html is None:
        html = frag.render(FragmentContext(values))
        cache.set(key, html, frag.ttl)
    return html


# Moves whenever a fragment every visitor sees is forgotten (the menu): pages kept for visitors
# (``cache``) were built around the old one and are served no more.
SHARED_EDITION_KEY = "fragments:shared-edition"


def forget_fragment(name, values):
    """Drop the cached HTML of ``name`` for these vary values, when a change must show at once."""
    frag = get_fragment(name)
    cache.delete(cache_key(frag, {key: values.get(key, "") for key in frag.vary}))
    if not _personal_keys.intersection(frag.vary):
        _new_shared_edition()


def _new_shared_edition():
    if cache.add(SHARED_EDITION_KEY, 2, None):
        return
    try:
        cache.incr(SHARED_EDITION_KEY)
    except ValueError:  # evicted between the two calls
        cache.add(SHARED_EDITION_KEY, 2, None)


def context_from_request(name, request):
    frag = get_fragment(name)
    values = {key: _vary_keys[key](request) for key in frag.vary}
    return FragmentContext(values)


def internal_secret():
    if settings.ROSEASH_INTERNAL_SECRET:
        return settings.ROSEASH_INTERNAL_SECRET.encode()
    return salted_hmac("roseash.internal", "fragments", algorithm="sha256").digest()


def _signature(name, query, timestamp):
    message = f"{name}\n{query}\n{timestamp}".encode()
    return hmac.new(internal_secret(), message, hashlib.sha256).hexdigest()


def canonical_query(params):
    return urlencode(sorted(params.items()))


def sign_fragment_request(name, context, *, now=None):
    """Return ``(path, headers)`` for fetching a fragment from another process of ours."""
    timestamp = str(int(now if now is not None else time.time()))
    query = canonical_query(context.values)
    headers = {SIGNATURE_HEADER: _signature(name, query, timestamp), TIMESTAMP_HEADER: timestamp}
    return f"/internal/fragments/{name}?{query}", headers


def verify_fragment_request(name, request):
    """Return the ``FragmentContext`` a signed request asks for, or raise ``RoseAshError`` (401)."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not signature or not timestamp:
        raise RoseAshError("signature_missing", "This endpoint answers only signed internal requests.", status=401)
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        raise RoseAshError("signature_invalid", "The timestamp is not a number of seconds.", status=401) from None
    if age > SIGNATURE_MAX_AGE:
        raise RoseAshError("signature_expired", "The request was signed too long ago or in the future.", status=401)
    params = {key: request.GET[key] for key in request.GET}
    if not hmac.compare_digest(signature, _signature(name, canonical_query(params), timestamp)):
        raise RoseAshError("signature_invalid", "The signature does not match this request.", status=401)
    return FragmentContext(params)
