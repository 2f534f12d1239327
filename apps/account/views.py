"""Member pages, served on the federation site: sign up, confirm, sign in, passwords."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView

from apps.core.sites import get_site

from . import services
from .forms import SignInForm, SignUpForm
from .sign_in import throttle


class SignInView(auth_views.LoginView):
    """Sign in at the federation site, which starts the SSO session every other site joins."""

    template_name = "account/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        services.sign_in_at_federation(self.request, user)
        next_url = self.get_success_url()
        # Signing in for another site continues its authorization; that site greets the member.
        if urlsplit(next_url).path != reverse("oauth2_provider:authorize"):
            messages.success(self.request, f"Welcome back, {user.get_username()}.")
        return redirect(next_url)

    def get_redirect_url(self):
        candidate = self.request.POST.get("next", self.request.GET.get("next", ""))
        next_url = services.safe_next_url(self.request, candidate, default="")
        # Back to this very page would loop for a member who is already signed in.
        return "" if urlsplit(next_url).path == self.request.path else next_url

    def get_default_redirect_url(self):
        return reverse("member:profile")


class SignUpView(FormView):
    template_name = "account/sign_up.html"
    form_class = SignUpForm

    def form_valid(self, form):
        data = form.cleaned_data
        user = services.sign_up(username=data["username"], email=data["email"], password=data["password1"])
        messages.success(self.request, f"Welcome, {user.get_username()}! One step left: confirm your email.")
        return redirect("member:sign-up-sent")


@require_GET
def confirm_email(request, uidb64, token):
    user = services.confirm_email(uidb64, token)
    messages.success(request, f"Your email is confirmed, {user.get_username()}. You can sign in now.")
    return redirect("member:sign-in")


class ProfileView(LoginRequiredMixin, TemplateView):
    """Where a member lands after signing in at the federation site."""

    template_name = "account/profile.html"


def _federation_netloc():
    return urlsplit(get_site("federation").origin).netloc


class PasswordResetView(auth_views.PasswordResetView):
    """Reset links always name the configured federation host, never the Host the request came with."""

    template_name = "account/password_reset.html"
    email_template_name = "account/email/password_reset.txt"
    subject_template_name = "account/email/password_reset_subject.txt"
    success_url = reverse_lazy("member:password-reset-done")

    def form_valid(self, form):
        if not throttle.allow_reset_email(form.cleaned_data["email"]):
            # Answer as if sent: neither a flood of emails nor a hint whether the address is a member's.
            return redirect(self.get_success_url())
        self.extra_email_context = {"site_name": "Rose Ash"}
        self.domain_override = _federation_netloc()
        self.use_https = urlsplit(get_site("federation").origin).scheme == "https"
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("member:password-reset-complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "account/password_change.html"
    success_url = reverse_lazy("member:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed. Other devices are signed out.")
        return response
