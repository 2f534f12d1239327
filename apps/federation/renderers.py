"""The representations of an actor, one DRF renderer each; the media type is the exact Content-Type sent."""

from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS = f'application/ld+json; profile="{AS_PROFILE}"'
ACTOR_DOC = "application/vnd.fed-sx.actor-doc"


class ActorPageRenderer(TemplateHTMLRenderer):
    """
    The profile page for people; also the answer when nothing else the client accepts matches.

    Negotiation needs its media type and format; the view renders the page with Django's
    ``render`` (request context processors included), as every other page of the site.
    """

    format = "html"


class ActivityJsonRenderer(JSONRenderer):
    media_type = ACTIVITY_JSON
    format = "activitystreams"


class LdJsonRenderer(JSONRenderer):
    media_type = LD_JSON_AS
    format = "activitystreams"


class ActorDocRenderer(JSONRenderer):
    media_type = ACTOR_DOC
    format = "actor-doc"


# Order is the server's preference when the client accepts several equally (``*/*``: the page).
ACTOR_RENDERERS = [ActorPageRenderer, ActivityJsonRenderer, LdJsonRenderer, ActorDocRenderer]
