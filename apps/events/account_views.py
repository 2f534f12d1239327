"""The dashboard's ticket and booking buttons (account host): thin over ``services``, back to the dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.errors import RoseAshError

from . import services

DASHBOARD = "account:home"


def _act(request, action, done: str):
    """Run ``action``; another member's object stays a 404, any other refusal is a message on the dashboard."""
    try:
        action()
    except RoseAshError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(DASHBOARD)


@login_required
@require_POST
def email_ticket(request, code):
    return _act(
        request,
        lambda: services.email_ticket(request.user, code),
        f"Your ticket is on its way to {request.user.email}.",
    )


@login_required
@require_POST
def cancel_booking(request, booking_id):
    return _act(
        request,
        lambda: services.cancel_booking(request.user, booking_id),
        "Your booking is cancelled and its places given back.",
    )
