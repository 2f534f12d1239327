"""
A cookie-keeping HTTP client that behaves like a browser across our hosts, for live-server tests.

Python does not resolve ``blog.localhost``; this client sends every request to the live server's
address with the site's host in the ``Host`` header, while cookies stay keyed by the host the
request was for, exactly as a browser keeps them (host-only, one jar per host).
"""

import re
from html import unescape
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html"}


class LoopbackAdapter(HTTPAdapter):
    def __init__(self, address, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        public = request.url
        routed = request.copy()
        parts = urlsplit(public)
        routed.url = urlunsplit(("http", self.address, parts.path, parts.query, ""))
        routed.headers["Host"] = parts.netloc
        kwargs.setdefault("timeout", 20)
        response = super().send(routed, **kwargs)
        response.url = public
        response.request = request
        return response


class Browser(requests.Session):
    def __init__(self, live_server_url):
        super().__init__()
        adapter = LoopbackAdapter(urlsplit(live_server_url).netloc)
        self.mount("http://", adapter)

    def visit(self, url, **kwargs):
        """A top-level navigation (what a browser sends when a person opens a page)."""
        return self.get(url, headers=NAVIGATION, **kwargs)

    def cookie_hosts(self, name):
        return {cookie.domain for cookie in self.cookies if cookie.name == name}

    def csrf_token(self, host):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken" and cookie.domain == host)

    def submit(self, page, data, **kwargs):
        """POST the first form of ``page`` with its hidden fields and ``data``, as a person would."""
        form = re.search(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page.text, re.S | re.I)
        assert form, f"No form on {page.url}"
        action = re.search(r"action=\"([^\"]*)\"", form.group(0)[: form.group(0).find(">")])
        fields = dict(re.findall(r"<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"", form.group(1)))
        fields = {key: unescape(value) for key, value in fields.items()}
        target = requests.compat.urljoin(page.url, unescape(action.group(1))) if action else page.url
        return self.post(target, data={**fields, **data}, headers={"Referer": page.url}, **kwargs)
