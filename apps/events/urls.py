from django.urls import path

from . import views
from .members import views as member_views
from .widgets import views as widget_views

BACK = {"back": "events:tickets"}

app_name = "events"

urlpatterns = [
    path("", views.upcoming, name="home"),
    path("month/", views.month, name="month"),
    path("week/", views.week, name="week"),
    path("feed.ics", views.feed, name="feed"),
    path("calendars/<slug:slug>/", views.calendar_page, name="calendar"),
    path("calendars/<slug:slug>/feed.ics", views.feed, name="calendar_feed"),
    path("e/<slug:slug>/", views.event_detail, name="event"),
    path("e/<slug:event_slug>/feed.ics", views.feed, name="event_feed"),
    path("e/<slug:slug>/book/", views.book, name="book"),
    path("tickets/", views.my_tickets, name="tickets"),
    path("tickets/<str:code>/email/", member_views.email_ticket, BACK, name="email_ticket"),
    path("bookings/<int:booking_id>/cancel/", member_views.cancel_booking, BACK, name="cancel_booking"),
    path("check-in/", views.check_in, name="check_in"),
    path("widgets/", widget_views.embed_help, name="widgets"),
    path("widgets/upcoming/", widget_views.upcoming_widget, name="widget_upcoming"),
    path("widgets/month/", widget_views.month_widget, name="widget_month"),
    path("widgets/embed.js", widget_views.embed_script, name="widget_script"),
]
