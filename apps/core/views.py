from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .pages import fragments
from .web import health


class PortalView(TemplateView):
    """The bare domain: what Rose Ash is, and a way into each of the six sites."""

    template_name = "core/portal.html"


FAVICON = "img/rose-ash.svg"  # templates/base.html links it too


@require_GET
def favicon(request):
    """Browsers ask every host for ``/favicon.ico``, whatever a page links (an error page, a JSON document)."""
    return HttpResponsePermanentRedirect(static(FAVICON))


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering; says nothing about the services behind it."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready when database, cache and broker all answer; otherwise 503 naming what is down."""
    checks = health.readiness()
    down = [check.label for check in checks if not check.ok]
    body = {"status": "unavailable" if down else "ok", "checks": {check.name: check.as_dict() for check in checks}}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


@never_cache
@require_GET
def internal_fragment(request, name):
    """Serve a fragment to another process of ours; the request must carry the internal signature."""
    context = fragments.verify_fragment_request(name, request)
    html = fragments.render_fragment(name, context)
    return HttpResponse(html, content_type="text/html; charset=utf-8")
