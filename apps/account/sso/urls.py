"""
Routes every host serves for signing in and out (included by ``roseash.urls.site_patterns``).

``admin/login/`` is listed here, ahead of the admin's own URLs, so staff sign in through single
sign-on like every member instead of typing a password into each site's admin.
"""

from django.urls import include, path

from . import views

sso_patterns = (
    [
        path("login", views.login, name="login"),
        path("callback", views.callback, name="callback"),
        path("logout", views.logout, name="logout"),
    ],
    "sso",
)

urlpatterns = [
    path("auth/", include(sso_patterns)),
    path("admin/login/", views.admin_login, name="sso-admin-login"),
]
