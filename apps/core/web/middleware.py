"""Request routing by host, and the rendering of ``RoseAshError`` as a 4xx answer."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from ..errors import RoseAshError
from ..sites import site_for_host


class SiteRoutingMiddleware:
    """Serve each request with the URLconf of the site its ``Host`` names; 400 for any other host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site = site_for_host(request.get_host())
        if site is None:
            return HttpResponseBadRequest(
                "Unknown host: this server answers only for the Rose Ash sites.", content_type="text/plain"
            )
        request.urlconf = site.urlconf
        request.site_name = site.name
        return self.get_response(request)


def wants_json(request):
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


class RoseAshErrorMiddleware:
    """Turn a ``RoseAshError`` raised by a view into an answer with its status, code and message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RoseAshError):
            return None
        if wants_json(request):
            return JsonResponse(exception.as_dict(), status=exception.status)
        return render(request, "error.html", {"error": exception}, status=exception.status)
