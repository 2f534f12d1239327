from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from apps.core.errors import RoseAshError

from . import services, throttle


class SignInForm(AuthenticationForm):
    """Email or username and password, refused for a while after too many failures."""

    username = forms.CharField(
        label="Email or username", max_length=254, widget=forms.TextInput(attrs={"autofocus": True})
    )

    def clean(self):
        login = self.data.get("username", "")
        address = throttle.client_address(self.request)
        try:
            throttle.check_sign_in_allowed(login, address)
        except RoseAshError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_sign_in_failure(login, address)
            if services.resend_confirmation(login, self.data.get("password", "")):
                raise forms.ValidationError(
                    "Your membership is not active yet: we have emailed you a new link to confirm it.",
                    code="inactive",
                ) from None
            raise
        throttle.clear_sign_in_failures(login)
        return cleaned


class SignUpForm(UserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ("username", "email")
        help_texts = {"email": "We send a link to this address; follow it to activate your account."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
