"""
The ActivityStreams words federation speaks, defined once: contexts, the public collection, media
types, the object and actor types we handle, and the readers for fields peers write in several forms.

Everything here is plain data and pure functions, so every layer of the app may use it.
"""

from urllib.parse import urlsplit

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
ACTOR_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT]  # an actor document carries its public keys
# Profile fields (Mastodon's): an actor's ``attachment`` of ``PropertyValue``, schema.org terms.
PROPERTY_VALUE_CONTEXT = {
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

PUBLIC = f"{AS_CONTEXT}#Public"
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})  # compacted JSON-LD forms peers send

ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS = f'application/ld+json; profile="{AS_CONTEXT}"'
ACTOR_DOC = "application/vnd.fed-sx.actor-doc"

NOTE_TYPES = frozenset({"Note", "Article"})
ACTOR_TYPES = frozenset({"Person", "Service", "Group", "Application", "Organization"})


def id_of(value):
    """Return the id of an embedded object or the string itself (``None`` for anything else)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def as_list(value):
    """Return an addressing or tag field as a list: peers send a string, an object or a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def addressed(value):
    """Return the ids in an addressing field, the compacted forms of Public made full."""
    ids = []
    for item in as_list(value):
        item = item.get("id") if isinstance(item, dict) else item
        if isinstance(item, str):
            ids.append(PUBLIC if item in PUBLIC_FORMS else item)
    return ids


def http_url(value, *, max_length=None):
    """
    Return ``value`` when it is an absolute http(s) URL (of at most ``max_length`` characters),
    else None.

    Every URL a peer gives that we keep or show as a link passes here: a ``javascript:``,
    ``data:`` or ``vbscript:`` link would run in a member's browser. A URL holding whitespace or a
    control character is refused whole rather than cleaned: browsers drop such characters
    (``java\tscript:``, a leading space), so what they follow could differ from what was checked.
    A protocol-relative ``//host/path`` is refused too: a peer's URL must say its scheme.
    """
    if not isinstance(value, str) or not value.isprintable() or " " in value:
        return None
    if max_length is not None and len(value) > max_length:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return None
    return value if parts.scheme.lower() in ("http", "https") and host else None
