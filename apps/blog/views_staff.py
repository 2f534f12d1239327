"""
The staff's writing desk on the blog site: the list of posts, the editor, picture uploads, autosave.

Each view is thin: it reads a form or a JSON body, calls ``services`` (so the body is cleaned, an
edit kept as a revision and the fediverse told) or ``editor.store_picture``, and says what happened
with a Django message or a JSON answer. Only staff with the right to change posts get in; a visitor
is sent to sign in, a member without that right gets 403.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import RoseAshError

from . import services
from .editor import store_picture
from .forms import ACTIONS, PostForm
from .models import Post

# The fields autosave takes from the page; status never comes from it.
AUTOSAVED_FIELDS = ("title", "slug", "excerpt", "body")
# Shown after each button, with the post's title.
DONE = {
    "save": "“{title}” is saved.",
    "schedule": "“{title}” is scheduled for {when:%Y-%m-%d %H:%M %Z}.",
    "publish": "“{title}” is published.",
    "unpublish": "“{title}” is unpublished: it is a draft again.",
}


def staff_only(view):
    """Let in staff who may change posts; send visitors to sign in and refuse other members (403)."""

    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.has_perm("blog.change_post")):
            raise PermissionDenied("The editor is for the blog's staff.")
        return view(request, *args, **kwargs)

    return check


@require_safe
@staff_only
def post_list(request):
    """Every post and page, whatever its status, the last changed on top."""
    posts = Post.objects.prefetch_related("authors").order_by("-updated", "-pk")
    return render(request, "blog/staff/list.html", {"posts": posts, "statuses": Post.Status})


@require_http_methods(["GET", "POST"])
@staff_only
def post_edit(request, post_id=None):
    """Write a new post or change one; the button pressed (``action``) says what happens after saving."""
    post = get_object_or_404(Post, pk=post_id) if post_id else Post()
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"] or "save"
        try:
            post = _apply(request, post_id, action, form)
        except RoseAshError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, DONE[action].format(title=post.title, when=post.publish_at))
            return redirect("blog:editor-edit", post_id=post.pk)
    status = 400 if form.errors else 200
    return render(request, "blog/staff/edit.html", {"form": form, "post": post, "actions": ACTIONS}, status=status)


def _apply(request, post_id, action, form):
    """
    Save the form through the services, then publish, schedule or unpublish as asked: all or nothing,
    so a refused schedule leaves the post as it was.
    """
    fields, tags, publish_at = form.post_fields()
    with transaction.atomic():
        if action == "unpublish" and post_id:
            services.unpublish_post(post_id)  # first, so the edit below is not sent to followers as an Update
        if post_id:
            post = services.update_post(post_id, tags=tags, **fields)
        else:
            post = services.create_post(tags=tags, author_ids=[request.user.pk], **fields)
        if action == "publish":
            post = services.publish_post(post.pk)
        elif action == "schedule":
            if publish_at is None:
                raise RoseAshError("publish_at_missing", "Give the date and time the post should go out.")
            post = services.schedule_post(post.pk, publish_at)
    return post


@require_POST
@staff_only
def upload_picture(request):
    """Take one picture (``file``) for a post's body and answer its URL; 400 with the reason otherwise."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse(
            {"error": "file_missing", "message": "Send the picture as the form field “file”."}, status=400
        )
    try:
        url = store_picture(upload)
    except RoseAshError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse({"url": url}, status=201)


@require_POST
@staff_only
def autosave(request):
    """
    Save what the editor holds as a draft (``services.save_draft``): never published from here, and
    a published post is left alone (409): the staff member saves it with the button.
    """
    try:
        data = json.loads(request.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"error": "json_invalid", "message": "Send the post as a JSON object."}, status=400)
    fields = {name: str(data.get(name) or "") for name in AUTOSAVED_FIELDS if name in data}
    post_id = data.get("post")
    if post_id is not None and not isinstance(post_id, int):
        return JsonResponse({"error": "post_invalid", "message": "“post” is a post's number."}, status=400)
    try:
        post = services.save_draft(post_id, author_id=request.user.pk, **fields)
    except RoseAshError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse(
        {
            "post": post.pk,
            "status": post.status,
            "edit_url": reverse("blog:editor-edit", kwargs={"post_id": post.pk}),
            "saved": timezone.now().isoformat(),
        }
    )
