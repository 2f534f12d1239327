"""The blog's pages: each asks ``services`` for what a visitor may read and renders it."""

import json

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from . import ghost, page_cache, services
from .tasks import sync_ghost_post_task

PER_PAGE = 10
FEATURED = 3
# What may not appear as such inside a <script> element: JSON-LD is data, never markup.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _page(request, posts):
    return Paginator(posts, PER_PAGE).get_page(request.GET.get("page"))


@require_safe
@page_cache.for_visitors
def home(request):
    """Featured and latest posts; with ``?q=``, the posts matching it instead."""
    query = request.GET.get("q", "").strip()
    if query:
        return render(
            request, "blog/list.html", {"page_obj": _page(request, services.search_posts(query)), "query": query}
        )
    latest = _page(request, services.live_posts())
    featured = services.live_posts().filter(featured=True)[:FEATURED] if latest.number == 1 else []
    return render(request, "blog/home.html", {"page_obj": latest, "featured": featured})


@require_safe
@page_cache.for_visitors
def post(request, slug):
    return _show(request, slug, is_page=False)


@require_safe
@page_cache.for_visitors
def page(request, slug):
    return _show(request, slug, is_page=True)


def _show(request, slug, *, is_page):
    found = services.find_live(slug, is_page=is_page)
    if isinstance(found, str):
        return redirect(found, permanent=True)
    return _render_post(request, found)


def _render_post(request, post, *, preview=False):
    return render(
        request,
        "blog/post.html",
        {
            "post": post,
            "json_ld": None if preview else _json_ld(post),
            "preview": preview,
            "responses": None if preview else services.fediverse_responses(post),
        },
    )


def _json_ld(post):
    """Return the post's schema.org ``BlogPosting`` as a JSON-LD element, its text unable to close it."""
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage" if post.is_page else "BlogPosting",
        "headline": post.seo_title or post.title,
        "description": post.seo_description or post.excerpt,
        "url": post.get_absolute_url(),
        "datePublished": post.published_at,
        "dateModified": post.updated,
        "author": [
            {"@type": "Person", "name": author.get_full_name() or author.username} for author in post.authors.all()
        ],
        "keywords": [tag.name for tag in post.tags.all()],
    }
    if post.feature_image_url:
        data["image"] = post.feature_image_url
    # A data block, which the CSP does not govern (browsers never run it); made here with its
    # escaping, so templates hold no <script> element at all (tests/core/test_csp.py).
    escaped = mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES))  # noqa: S308 (escaped above)
    return format_html('<script type="application/ld+json">{}</script>', escaped)


@require_safe
@page_cache.for_visitors
def tag(request, slug):
    found, posts = services.posts_tagged(slug)
    return render(request, "blog/list.html", {"page_obj": _page(request, posts), "tag": found})


@require_safe
@page_cache.for_visitors
def author(request, username):
    member, posts = services.posts_by(username)
    return render(request, "blog/list.html", {"page_obj": _page(request, posts), "author": member})


@require_safe
def preview(request, token):
    """A post as it stands, draft or not, for whoever holds an unexpired preview link; never indexed."""
    response = _render_post(request, services.post_for_preview(token), preview=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def robots(request):
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('blog:home')}preview/",
        f"Sitemap: {site_url('blog', 'blog:sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@csrf_exempt  # Ghost proves itself by its signature; there is no session to forge
@require_POST
def ghost_webhook(request):
    """
    Take a signed Ghost webhook and queue a re-read of the post it names, once this request's
    transaction has committed: Ghost is not called while Ghost waits for our answer.
    """
    try:
        ghost.verify_signature(request.body, request.headers.get("X-Ghost-Signature"))
        resource, ghost_id = ghost.webhook_target(request.body)
    except RoseAshError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    # robust: with tasks run in-process (no broker), a failing re-read is logged, not our 500.
    transaction.on_commit(lambda: sync_ghost_post_task.delay(resource, ghost_id), robust=True)
    return JsonResponse({"queued": f"{resource}/{ghost_id}"}, status=202)
