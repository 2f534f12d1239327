"""Member pages on the federation site (``/account/...``)."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "member"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-up/", views.SignUpView.as_view(), name="sign-up"),
    path("sign-up/sent/", TemplateView.as_view(template_name="account/sign_up_sent.html"), name="sign-up-sent"),
    path("confirm/<uidb64>/<token>/", views.confirm_email, name="confirm-email"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="account/password_reset_done.html"),
        name="password-reset-done",
    ),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="account/password_reset_complete.html"),
        name="password-reset-complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
]
