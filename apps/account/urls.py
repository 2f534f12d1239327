"""Routes of the account site: the member's dashboard, and newsletters for everyone."""

from django.urls import path

from .members import views as dashboard_views
from .newsletters import views as newsletter_views

app_name = "account"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("profile/", dashboard_views.profile, name="profile"),
    path("preferences/", dashboard_views.preferences, name="preferences"),
    path("addresses/", dashboard_views.address_list, name="addresses"),
    path("addresses/add/", dashboard_views.address_add, name="address-add"),
    path("addresses/<int:address_id>/edit/", dashboard_views.address_edit, name="address-edit"),
    path("addresses/<int:address_id>/delete/", dashboard_views.address_delete, name="address-delete"),
    path("addresses/<int:address_id>/default/", dashboard_views.address_make_default, name="address-default"),
    path("subscriptions/", dashboard_views.subscriptions, name="subscriptions"),
    path("data/", dashboard_views.your_data, name="your-data"),
    path("data/export/", dashboard_views.export_data, name="export-data"),
    path("data/delete/", dashboard_views.delete_account, name="delete-account"),
    path("newsletters/", newsletter_views.newsletters, name="newsletters"),
    path("newsletters/sent/", newsletter_views.newsletters_sent, name="newsletters-sent"),
    path("newsletters/confirm/<str:token>/", newsletter_views.confirm, name="newsletter-confirm"),
    path("newsletters/unsubscribe/<str:token>/", newsletter_views.unsubscribe, name="newsletter-unsubscribe"),
]
