"""Public federation endpoints: actor documents, WebFinger, NodeInfo and host-meta (thin over services)."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .negotiation import QValueNegotiation
from .renderers import ACTOR_RENDERERS

JRD = "application/jrd+json"
NODEINFO = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
XRD = "application/xrd+xml; charset=utf-8"


class ActorView(APIView):
    """One URL per actor, in every format peers and people ask for (see negotiation.py)."""

    renderer_classes = ACTOR_RENDERERS
    content_negotiation_class = QValueNegotiation
    authentication_classes = ()
    permission_classes = ()

    def get(self, request, name):
        answer = services.actor_representation(request.site_name, name, request.accepted_renderer.format)
        return Response(answer.data, status=answer.status, template_name=answer.template)


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
