"""
A member's buttons on their tickets and bookings: mail a ticket again, cancel a booking.

The same views answer on the events host's "My tickets" page and on the account dashboard (the
urlconfs pass ``back``, the page to return to): thin over ``services``, with a message there.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.errors import RoseAshError

from .. import services


def _act(request, action, done: str, back: str):
    """Run ``action``; another member's object stays a 404, any other refusal is a message on ``back``."""
    try:
        action()
    except RoseAshError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def email_ticket(request, code, back):
    return _act(
        request,
        lambda: services.email_ticket(request.user, code),
        f"Your ticket is on its way to {request.user.email}.",
        back,
    )


@login_required
@require_POST
def cancel_booking(request, booking_id, back):
    return _act(
        request,
        lambda: services.cancel_booking(request.user, booking_id),
        "Your booking is cancelled and its places given back.",
        back,
    )
