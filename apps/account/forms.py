from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from apps.core.errors import RoseAshError

from . import services
from .models import Address, Newsletter
from .sign_in import throttle


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


class AddressForm(forms.ModelForm):
    """The fields of an address; the services check them again and keep the default unique."""

    class Meta:
        model = Address
        fields = ("name", "line1", "line2", "postcode", "city", "country", "phone", "is_default")
        widgets = {"country": forms.TextInput(attrs={"size": 2, "maxlength": 2, "autocomplete": "country"})}

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()


class ProfileForm(forms.ModelForm):
    """The member's public profile: their fediverse actor's name, bio and avatar."""

    # A plain file field: the model's validator reads the real format (``apps.core.pictures``) and says
    # which formats we take; Django's image field would first accept any format Pillow knows.
    avatar = forms.FileField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP, at most 2 MiB; square, 400x400 pixels shows well.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove the avatar")

    class Meta:
        model = get_user_model()
        fields = ("display_name", "bio", "avatar")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ("notify_orders", "notify_social", "discoverable", "show_follows")


class PasswordConfirmForm(forms.Form):
    """A member's password, asked again before an export or a deletion."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password_wrong")
        return password


class DeleteAccountForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label="I understand my account, profile and subscriptions go, and cannot be brought back."
    )


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Your email")
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.none(), widget=forms.CheckboxSelectMultiple, label="Newsletters"
    )

    def __init__(self, *args, newsletters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].queryset = newsletters

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
