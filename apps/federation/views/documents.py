"""Public federation endpoints: actors, inboxes, collections, WebFinger, NodeInfo, host-meta (thin over services)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import RoseAshError

from .. import services
from ..vocabulary import ACTIVITY_JSON
from .negotiation import QValueNegotiation
from .renderers import ACTOR_RENDERERS

JRD = "application/jrd+json"
NODEINFO = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
XRD = "application/xrd+xml; charset=utf-8"
PROFILE_TEMPLATE = "federation/actor.html"
MISSING_TEMPLATE = "federation/actor_missing.html"


NEGOTIATION = QValueNegotiation()


def _refusal(error, content_type="application/json"):
    return JsonResponse(error.as_dict(), status=error.status, content_type=content_type)


@require_GET
def actor(request, name):
    """
    One URL per actor, in every format peers and people ask for (see negotiation.py).

    The DRF renderers and negotiation do the work without an ``APIView`` around them: a public,
    read-only document needs none of its request wrapping, authentication or throttling, which
    cost a quarter of the throughput (bench/README.md).
    """
    renderer, _media_type = NEGOTIATION.select_renderer(request, ACTOR_RENDERERS)
    try:
        found = services.local_actor(request.site_name, name)
    except RoseAshError as error:
        if renderer.format == "html":
            context = {"status": error.status, "message": error.message}
            response = render(request, MISSING_TEMPLATE, context, status=error.status)
        else:
            response = HttpResponse(
                renderer().render(error.as_dict()), content_type=renderer.media_type, status=error.status
            )
    else:
        if renderer.format == "html":
            response = render(request, PROFILE_TEMPLATE, {"actor": found})
        else:
            document = services.actor_document(found, renderer.format)
            response = HttpResponse(renderer().render(document), content_type=renderer.media_type)
    patch_vary_headers(response, ["Accept"])
    return response


@require_GET
def webfinger(request):
    try:
        response = JsonResponse(
            services.webfinger(request.site_name, request.GET.get("resource", "")), content_type=JRD
        )
    except RoseAshError as error:
        response = _refusal(error, JRD)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def nodeinfo_links(request):
    response = JsonResponse(services.nodeinfo_links(request.site_name))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def nodeinfo(request):
    response = JsonResponse(services.nodeinfo(request.site_name), content_type=NODEINFO)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def host_meta(request):
    return HttpResponse(services.host_meta(request.site_name), content_type=XRD)


def _signed_headers(environ):
    """
    Return the request's headers with lower-case names, from its WSGI environ.

    What ``request.headers`` holds, lower-cased: built in one pass, as every inbox POST needs them
    all (the signed ones are named by the peer).
    """
    headers = {name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name[:5] == "HTTP_"}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if name in environ:
            headers[name.replace("_", "-").lower()] = environ[name]
    return headers


@csrf_exempt  # peers authenticate by HTTP signature; there is no session to forge
@require_POST
def inbox(request, name=None):
    """A personal inbox (``/actors/<name>/inbox``) or the host's shared one; see ``inbound/inbox.py``."""
    body = request.read(services.INBOX_MAX_BODY + 1)  # one byte past the cap is enough to refuse it
    post = services.SignedRequest("post", request.get_full_path(), _signed_headers(request.META), body, request.scheme)
    try:
        services.receive_activity(request.site_name, name, post)
    except RoseAshError as error:
        return _refusal(error)
    return HttpResponse(status=202)


@require_GET
def note_object(request, name):
    """A note or article of ours at its id, as ActivityStreams (peers dereference ids they are given)."""
    try:
        return JsonResponse(services.note_document(request.site_name, request.path), content_type=ACTIVITY_JSON)
    except RoseAshError as error:
        return _refusal(error, ACTIVITY_JSON)


@require_GET
def collection(request, name, collection):
    """An actor's outbox, followers or following as a paged ``OrderedCollection``."""
    try:
        document = services.collection(request.site_name, name, collection, request.GET.get("page"))
    except RoseAshError as error:
        return _refusal(error, ACTIVITY_JSON)
    return JsonResponse(document, content_type=ACTIVITY_JSON)
