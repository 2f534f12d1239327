"""
The events' buttons on the account dashboard, served on the account host under ``/events/``
(``roseash/urls/account.py``): the member's session and CSRF cookie live there, not on the events host.
"""

from django.urls import path

from . import account_views

app_name = "events_account"

urlpatterns = [
    path("tickets/<str:code>/email/", account_views.email_ticket, name="email_ticket"),
    path("bookings/<int:booking_id>/cancel/", account_views.cancel_booking, name="cancel_booking"),
]
