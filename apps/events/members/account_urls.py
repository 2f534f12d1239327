"""
The events' buttons on the account dashboard, served on the account host under ``/events/``
(``roseash/urls/account.py``): the member's session and CSRF cookie live there, not on the events host.
"""

from django.urls import path

from . import views

BACK = {"back": "account:home"}

app_name = "events_account"

urlpatterns = [
    path("tickets/<str:code>/email/", views.email_ticket, BACK, name="email_ticket"),
    path("bookings/<int:booking_id>/cancel/", views.cancel_booking, BACK, name="cancel_booking"),
]
