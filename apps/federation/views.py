"""Public federation endpoints: actors, inboxes, collections, WebFinger, NodeInfo, host-meta (thin over services)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import services
from .negotiation import QValueNegotiation
from .renderers import ACTIVITY_JSON, ACTOR_RENDERERS

JRD = "application/jrd+json"
NODEINFO = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
XRD = "application/xrd+xml; charset=utf-8"


NEGOTIATION = QValueNegotiation()


@require_GET
def actor(request, name):
    """
    One URL per actor, in every format peers and people ask for (see negotiation.py).

    The DRF renderers and negotiation do the work without an ``APIView`` around them: a public,
    read-only document needs none of its request wrapping, authentication or throttling, which
    cost a quarter of the throughput (bench/README.md).
    """
    renderer, _media_type = NEGOTIATION.select_renderer(request, ACTOR_RENDERERS)
    answer = services.actor_representation(request.site_name, name, renderer.format)
    if renderer.format == "html":
        response = render(request, answer.template, answer.data, status=answer.status)
    else:
        response = HttpResponse(renderer().render(answer.data), content_type=renderer.media_type, status=answer.status)
    patch_vary_headers(response, ["Accept"])
    return response


@require_GET
def webfinger(request):
    answer = services.webfinger(request.site_name, request.GET.get("resource", ""))
    response = JsonResponse(answer.data, status=answer.status, content_type=JRD)
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


@csrf_exempt  # peers authenticate by HTTP signature; there is no session to forge
@require_POST
def inbox(request, name=None):
    """A personal inbox (``/actors/<name>/inbox``) or the host's shared one; see ``inbox.py``."""
    outcome = services.receive_activity(request, request.site_name, name)
    if outcome.status == 202:
        return HttpResponse(status=202)
    return JsonResponse({"error": outcome.code, "message": outcome.message}, status=outcome.status)


@require_GET
def note_object(request, name):
    """A note or article of ours at its id, as ActivityStreams (peers dereference ids they are given)."""
    answer = services.note_document(request.site_name, request.path)
    return JsonResponse(answer.data, status=answer.status, content_type=ACTIVITY_JSON)


@require_GET
def collection(request, name, collection):
    """An actor's outbox, followers or following as a paged ``OrderedCollection``."""
    answer = services.collection(request.site_name, name, collection, request.GET.get("page"))
    return JsonResponse(answer.data, status=answer.status, content_type=ACTIVITY_JSON)
