import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from oauth2_provider.settings import oauth2_settings

from apps.core.sanitize import clean_editorial_html

from .newsletters.plain_text import html_to_text
from .pictures import AvatarPath, validate_avatar
from .validators import CountryCodeValidator, HandleValidator, NotReservedValidator

BIO_MAX = 500  # characters, as Mastodon's own bios


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
    # The member's fediverse actor profile (``federation.services.member_profile_changed`` announces a change).
    display_name = models.CharField(max_length=100, blank=True, help_text="Shown instead of your username.")
    bio = models.TextField(
        blank=True,
        max_length=BIO_MAX,
        validators=[MaxLengthValidator(BIO_MAX)],  # a TextField's max_length binds only its form
        help_text=f"Plain text, at most {BIO_MAX} characters; a blank line starts a paragraph.",
    )
    avatar = models.ImageField(
        upload_to=AvatarPath(),
        blank=True,
        validators=[validate_avatar],
        help_text="PNG, JPEG, GIF or WebP, at most 2 MiB; square, 400x400 pixels shows well.",
    )
    # Preferences: what we may email the member, and what others may see.
    notify_orders = models.BooleanField(
        "email me about my orders and tickets", default=True, help_text="Receipts are sent whatever you choose."
    )
    notify_social = models.BooleanField(
        "email me about new followers, replies and mentions",
        default=False,
        help_text="At most a dozen mails an hour; the rest wait in your notifications.",
    )
    discoverable = models.BooleanField(
        "list my profile in directories and search", default=True, help_text="Peers honour this as they see fit."
    )
    show_follows = models.BooleanField(
        "show whom I follow and who follows me", default=True, help_text="How many stays public either way."
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

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


class Address(models.Model):
    """A postal address a member keeps for checkout; at most one is their default."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField("full name", max_length=150)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address, second line", max_length=200, blank=True)
    postcode = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(
        max_length=2, validators=[CountryCodeValidator()], help_text="Two-letter ISO 3166 code, e.g. GB or FR."
    )
    phone = models.CharField(max_length=40, blank=True)
    is_default = models.BooleanField("default address", default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created", "-id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(is_default=True), name="account_address_one_default"
            )
        ]

    def __str__(self):
        return f"{self.name}, {self.line1}, {self.postcode} {self.city}, {self.country}"

    def clean(self):
        super().clean()
        self.country = (self.country or "").strip().upper()


# --- Newsletters -------------------------------------------------------------------------------------


class Newsletter(models.Model):
    """A list staff write to; visitors and members subscribe to it with double opt-in."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_public = models.BooleanField("open to subscribers", default=True, help_text="Listed at /newsletters/.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """
    One address on one newsletter: pending until its confirmation link is followed.

    ``requested_at`` is part of the signed confirmation link, so asking again (or unsubscribing)
    makes every earlier link worthless.
    """

    class State(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        CONFIRMED = "confirmed", "subscribed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField()
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    requested_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["newsletter", "email"]
        constraints = [models.UniqueConstraint(fields=["newsletter", "email"], name="account_subscription_unique")]

    def __str__(self):
        return f"{self.email} on {self.newsletter}"


class Issue(models.Model):
    """One mailing of a newsletter: HTML (sanitized when saved) and its plain-text part."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="issues")
    subject = models.CharField(max_length=200)
    body_html = models.TextField("body (HTML)", help_text="Cleaned of scripts and styles when saved.")
    body_text = models.TextField(
        "body (plain text)", blank=True, help_text="Left empty: made from the HTML when the issue is saved."
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    send_started = models.DateTimeField(null=True, blank=True)
    send_finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        """Keep the HTML clean of anything that could run, and always a plain-text part, whoever saves."""
        self.body_html = clean_editorial_html(self.body_html or "")
        if not self.body_text.strip():
            self.body_text = html_to_text(self.body_html)
        super().save(*args, **kwargs)


class IssueDelivery(models.Model):
    """
    One recipient of one issue, and how far sending it got (see ``newsletters.send_batch``).

    pending -> claimed (a worker took it into its batch) -> sending (the SMTP call is about to
    start) -> sent | failed. A row found ``sending`` after its worker died is ``uncertain``: the
    mail may or may not have left, and it is never sent again (at most once).
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        CLAIMED = "claimed", "claimed by a worker"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        UNCERTAIN = "uncertain", "interrupted (may have been sent)"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField("claimed by worker", max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "newsletter delivery"
        verbose_name_plural = "newsletter deliveries"
        constraints = [models.UniqueConstraint(fields=["issue", "subscription"], name="account_delivery_unique")]
        indexes = [models.Index(fields=["issue", "state"], name="account_delivery_issue_state")]

    def __str__(self):
        return f"{self.issue} to {self.email}: {self.state}"
