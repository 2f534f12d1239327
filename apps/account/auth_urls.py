"""
Routes every host serves for signing in and out (included by ``roseash.urls.site_patterns``).

``admin/login/`` is listed here, ahead of the admin's own URLs, so staff sign in through single
sign-on like every member instead of typing a password into each site's admin.
"""

from django.urls import include, path

from . import sso_views

sso_patterns = (
    [
        path("login", sso_views.login, name="login"),
        path("callback", sso_views.callback, name="callback"),
        path("logout", sso_views.logout, name="logout"),
    ],
    "sso",
)

urlpatterns = [
    path("auth/", include(sso_patterns)),
    path("admin/login/", sso_views.admin_login, name="sso-admin-login"),
]
