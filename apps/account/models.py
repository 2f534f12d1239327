import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from oauth2_provider.settings import oauth2_settings

from .validators import HandleValidator, NotReservedValidator


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def by_login(self, login):
        """
        The member a sign-in with ``login`` names: by email when it holds an ``@`` (a username
        cannot), else by username; either in any case. One definition, so signing in and counting
        failures agree on who was meant.
        """
        field = "email__iexact" if "@" in login else "username__iexact"
        return self.filter(**{field: login.strip()})


class User(AbstractUser):
    """
    A member of the cooperative, and staff when ``is_staff``.

    Members sign in with their email or username. The username is the member's fediverse handle,
    so it is unique regardless of case and limited to what handles may hold.
    """

    username = models.CharField(
        "username",
        max_length=30,
        unique=True,
        validators=[HandleValidator(), NotReservedValidator()],
        help_text="1 to 30 letters, digits or underscores; also your fediverse handle.",
        error_messages={"unique": "A member with that username already exists."},
    )
    email = models.EmailField("email address", unique=True, error_messages={"unique": "This email is in use."})

    objects = MemberManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "member"
        verbose_name_plural = "members"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="account_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="account_user_email_ci_unique"),
        ]

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()


class SSOSession(models.Model):
    """
    One sign-in at the federation site, shared by every site the browser then signs in to.

    The federation session and each site's own session keep this row's id. Signing out anywhere
    ends the row; every site checks it on each request (one primary-key lookup in the shared
    database) and ends its own session once the row has ended. See docs/sso.md.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_sessions")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_on = models.CharField("ended on site", max_length=20, blank=True)

    class Meta:
        verbose_name = "single sign-on session"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "ended_at"], name="account_sso_user_ended")]

    def __str__(self):
        return f"{self.user} since {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_alive(self):
        return self.ended_at is None


class SSOGrant(models.Model):
    """Which SSO session an authorization code was issued in, so its ID token can name it (``sid``)."""

    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL, on_delete=models.CASCADE, related_name="sso_link", primary_key=True
    )
    sso_session = models.ForeignKey(SSOSession, on_delete=models.CASCADE, related_name="grants")

    class Meta:
        verbose_name = "authorization code's SSO session"

    def __str__(self):
        return f"grant {self.grant_id} in {self.sso_session_id}"


class RedeemedCode(models.Model):
    """
    An authorization code already exchanged, and the tokens that exchange issued (see ``code_reuse``).

    Only the code's SHA-256 is kept, and only while the code could still have been presented
    (``expires``: its lifetime and a margin); the nightly sweep deletes the row after that.
    """

    application = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField("SHA-256 of the code", max_length=64)
    token_family = models.UUIDField("refresh-token family")
    id_token = models.ForeignKey(
        oauth2_settings.ID_TOKEN_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "redeemed authorization code"
        indexes = [models.Index(fields=["application", "code_hash"], name="account_redeemed_code")]

    def __str__(self):
        return f"code {self.code_hash[:12]}… of application {self.application_id}"
