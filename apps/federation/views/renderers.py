"""The representations of an actor, one DRF renderer each; the media type is the exact Content-Type sent."""

from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer

from ..vocabulary import ACTIVITY_JSON, ACTOR_DOC, LD_JSON_AS


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
