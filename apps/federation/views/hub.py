"""
The social hub on the federation site: timelines, a note and its replies, composing, reactions,
follows, follow requests and notifications (thin over ``services``).

Every page but the home asks a visitor to sign in. Every change is a POST form with CSRF that
redirects back (to ``next`` when it is a path or URL of this host) with a message; a refusal from
the services becomes an error message there, or, for a page, the error page with its status.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import RoseAshError

from .. import follow_policy, hub
from ..forms import ComposeForm, FollowerPolicyForm, FollowForm, MarkReadForm, UnfollowForm


def _cursor(request):
    """Return the ``before`` cursor of a list page (a row id), or None for the first page."""
    before = request.GET.get("before", "")
    if not before:
        return None
    if not before.isdigit():
        raise RoseAshError("cursor_invalid", "The page cursor is a row number.", status=400)
    return int(before)


def _back(request, default):
    """Redirect to the form's ``next`` when it stays on this host, else to ``default`` (a view name)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(reverse(default))


def action(default):
    """
    Make a view a member's POST action: sign-in required, and a ``RoseAshError`` from the services
    shown as an error message on the page the member came from (``default`` if none is safe).
    """

    def decorate(view):
        @wraps(view)
        @login_required
        @require_POST
        def wrapped(request, *args, **kwargs):
            try:
                view(request, *args, **kwargs)
            except RoseAshError as error:
                if error.status == 404:
                    raise
                messages.error(request, error.message)
            return _back(request, default)

        return wrapped

    return decorate


def _form_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- pages ---


@require_GET
def home(request):
    """A member's home timeline under the compose form; a visitor learns what the hub is."""
    if not request.user.is_authenticated:
        return render(request, "federation/hub/welcome.html")
    page = hub.home_timeline(request.user, before=_cursor(request))
    return render(request, "federation/hub/home.html", {"page": page, "form": ComposeForm()})


@login_required
@require_GET
def local(request):
    page = hub.local_timeline(viewer=request.user, before=_cursor(request))
    return render(request, "federation/hub/local.html", {"page": page})


@login_required
@require_GET
def note(request, note_id):
    """A note, the replies the member may see, and a form to reply."""
    shown = hub.get_note(request.user, note_id)
    page = hub.replies(request.user, note_id, before=_cursor(request))
    form = ComposeForm(initial={"visibility": shown.visibility})
    return render(request, "federation/hub/note.html", {"note": shown, "page": page, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def compose(request, note_id=None):
    """Post a note, or a reply to ``note_id``; invalid input is shown again with its errors."""
    parent = hub.get_note(request.user, note_id) if note_id else None
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hub.compose_note(request.user, in_reply_to=note_id, **form.cleaned_data)
        except RoseAshError as error:
            if error.status == 404:
                raise
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your reply is posted." if parent else "Your post is published.")
            if parent is not None:
                return redirect("federation:note", note_id=parent.pk)
            return _back(request, "federation:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "federation/hub/compose.html", {"form": form, "parent": parent}, status=status)


@login_required
@require_GET
def people(request, which):
    """The member's followers or the actors they follow, with unfollow buttons on the latter."""
    lister = hub.followers if which == "followers" else hub.following
    page = lister(hub.member_actor_url(request.user), before=_cursor(request))
    return render(request, "federation/hub/people.html", {"page": page, "which": which})


@login_required
@require_http_methods(["GET", "POST"])
def follow(request):
    """Follow someone by handle or actor URL (the services resolve it through WebFinger and discovery)."""
    form = FollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = hub.follow(request.user, form.cleaned_data["target"])
        except RoseAshError as error:
            form.add_error("target", error.message)
        else:
            target = form.cleaned_data["target"]
            if row.state == row.State.ACCEPTED:
                messages.success(request, f"You follow {target}.")
            else:
                messages.success(request, f"Your follow request to {target} is sent; it shows once they accept.")
            return redirect("federation:following")
    status = 400 if form.is_bound else 200
    return render(request, "federation/hub/follow.html", {"form": form}, status=status)


@action("federation:following")
def unfollow(request):
    form = UnfollowForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    hub.unfollow(request.user, form.cleaned_data["actor_url"])
    messages.success(request, "You no longer follow them.")


@login_required
@require_GET
def follow_requests(request):
    page = hub.follow_requests(request.user, before=_cursor(request))
    return render(request, "federation/hub/requests.html", {"page": page})


@action("federation:follow-requests")
def decide_follow(request, follow_id, decision):
    if decision == "approve":
        hub.approve_follow(request.user, follow_id)
        messages.success(request, "Follow request approved.")
    else:
        hub.reject_follow(request.user, follow_id)
        messages.success(request, "Follow request rejected.")


@login_required
@require_http_methods(["GET", "POST"])
def follower_policy(request):
    """Choose whether new followers are accepted automatically or wait for approval."""
    current = "manual" if follow_policy.approves_manually(request.user.username) else "automatic"
    form = FollowerPolicyForm(request.POST or None, initial={"policy": current})
    if request.method == "POST" and form.is_valid():
        hub.set_follower_policy(request.user, form.approve_manually)
        if form.approve_manually:
            messages.success(request, "You now approve each new follower yourself.")
        else:
            messages.success(request, "New followers are now accepted automatically.")
        return redirect("federation:follower-policy")
    status = 400 if form.is_bound else 200
    return render(request, "federation/hub/policy.html", {"form": form}, status=status)


@login_required
@require_GET
def notifications(request):
    page = hub.notifications(request.user, before=_cursor(request))
    return render(request, "federation/hub/notifications.html", {"page": page})


# --- actions ---


@action("federation:notifications")
def mark_read(request):
    """Mark one notification read, or all; the unread count in every site's header follows at once."""
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    one = form.cleaned_data["id"]
    hub.mark_read(request.user, None if one is None else [one])
    messages.success(request, "Marked as read." if one else "All notifications marked as read.")


# What each reaction button does, and what the member is told after.
REACTIONS = {
    ("like", False): (hub.like, "Liked."),
    ("like", True): (hub.unlike, "Like withdrawn."),
    ("boost", False): (hub.boost, "Boosted to your followers."),
    ("boost", True): (hub.unboost, "Boost withdrawn."),
}


@action("federation:home")
def react(request, note_id, reaction, undo=False):
    """Like or boost a note, or withdraw the like or boost (``reaction`` and ``undo`` come from the URL)."""
    change, done = REACTIONS[reaction, undo]
    change(request.user, note_id)
    messages.success(request, done)
