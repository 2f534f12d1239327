"""
What federation keeps: the instance's signing keys, what we learned about other servers' actors,
activities and their deliveries, the social graph, and how our site actors present themselves.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from .images import PicturePath, validate_picture

# A fetched actor is fresh for a day; after that it is refetched on use and by the hourly sweep.
PEER_FRESH_FOR = timedelta(days=1)


class InstanceKey(models.Model):
    """
    One RSA keypair of this instance; every local actor publishes the unretired ones.

    The newest unretired key signs. Rotation adds a key and leaves the old one published, so a peer
    holding a signature made just before still verifies it; retiring a key unpublishes it. The private
    half is stored here in PEM: the admin never shows it (see ``admin.InstanceKeyAdmin``).
    """

    name = models.SlugField(
        max_length=40, unique=True, help_text="The key id's fragment: <actor URL>#<name>. The first key is main-key."
    )
    private_key_pem = models.TextField(editable=False)
    public_key_pem = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    retired = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = "instance key"

    def __str__(self):
        return self.name


class PeerActorQuerySet(models.QuerySet):
    def stale(self, now=None):
        return self.filter(fetched_at__lt=(now or timezone.now()) - PEER_FRESH_FOR)

    def fresh(self, now=None):
        return self.filter(fetched_at__gte=(now or timezone.now()) - PEER_FRESH_FOR)

    def failing(self):
        return self.filter(failures__gt=0)


class PeerActor(models.Model):
    """
    The last good state we fetched of an actor on another server, and how fetching it has gone since.

    Rows are written only from a valid document; a later failure leaves the state and counts the
    failure, so a peer that is briefly down keeps its keys.
    """

    actor_url = models.URLField("actor URL", max_length=500, unique=True)
    peer_name = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="The name in the peer map, when it came from there."
    )
    handle = models.CharField(max_length=255, blank=True, db_index=True, help_text="user@host")
    name = models.CharField(max_length=255, blank=True)
    inbox = models.URLField(max_length=500)
    shared_inbox = models.URLField(max_length=500, blank=True)
    followers_url = models.URLField(
        "followers URL", max_length=500, blank=True, help_text="Its followers collection, as its document names it."
    )
    public_keys = models.JSONField(default=list, help_text="Every published key: id, algorithm, pem, created.")
    document_format = models.CharField(max_length=20, help_text="actor-doc or activitystreams")
    fetched_at = models.DateTimeField(help_text="When the state was last fetched successfully.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed fetches since the last success.")
    last_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    objects = PeerActorQuerySet.as_manager()

    class Meta:
        ordering = ["actor_url"]
        verbose_name = "peer actor"

    def __str__(self):
        return self.handle or self.actor_url

    @property
    def is_stale(self):
        return self.fetched_at < timezone.now() - PEER_FRESH_FOR


# --- Activities, deliveries, follows, the objects we store, and the social graph ---


class APActivityQuerySet(models.QuerySet):
    def inbound(self):
        return self.filter(direction=APActivity.Direction.IN)

    def outbound(self):
        return self.filter(direction=APActivity.Direction.OUT)


class APActivity(models.Model):
    """
    One ActivityStreams activity, received (``in``) or sent (``out``), unique by its id.

    Inbound rows are written by the inbox once the signature verified, and processed by a task on
    the ``inbox`` queue: ``pending`` → ``done`` (handled) or ``ignored`` (nothing to do, with the
    reason in ``error``) or ``failed``. Outbound rows are written in the same transaction as the
    change they announce, then expanded into ``Delivery`` rows: ``pending`` → ``done``.
    """

    class Direction(models.TextChoices):
        IN = "in", "inbound"
        OUT = "out", "outbound"

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        IGNORED = "ignored"
        FAILED = "failed"

    activity_id = models.URLField("activity id", max_length=500)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    type = models.CharField(max_length=40)
    actor_url = models.URLField("actor URL", max_length=500)
    object_id = models.URLField("object id", max_length=500, blank=True)
    payload = models.JSONField(help_text="The activity as received or sent.")
    # The defaults are the database's too (``db_default``): the inbox inserts rows with an INSERT of
    # its own that names only the columns that differ from row to row (``inbox.store``).
    # Outbound only: who receives it besides (or instead of) the actor's accepted followers.
    to_followers = models.BooleanField(
        default=False, db_default=False, help_text="Outbound: deliver to the actor's followers."
    )
    recipients = models.JSONField(
        default=list, db_default=[], blank=True, help_text="Outbound: actor URLs delivered to directly."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_default=State.PENDING)
    error = models.CharField(max_length=500, blank=True, db_default="")
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    created = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = APActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "activity"
        verbose_name_plural = "activities"
        # Every inbox POST inserts a row, so the table keeps only the indexes a query needs: the
        # id (replays, ON CONFLICT; a constraint, so without the LIKE index ``unique=True`` adds),
        # ``created`` (the admin's order and dates) and the pending rows, in the order they came
        # (the batches and the sweep). Each index more costs every insert.
        constraints = [models.UniqueConstraint(fields=["activity_id"], name="fed_activity_id_unique")]
        indexes = [
            models.Index(fields=["direction", "id"], condition=models.Q(state="pending"), name="fed_activity_pending"),
        ]

    def __str__(self):
        return f"{self.direction} {self.type} {self.activity_id}"


class Delivery(models.Model):
    """
    One outbound activity to one inbox (a shared inbox when the peer has one), retried with backoff.

    ``pending`` rows whose ``next_attempt_at`` has passed are (re)queued by the sweep, so a worker
    killed mid-delivery loses nothing. ``delivered`` on a 2xx; ``failed`` after the last try or on a
    4xx other than 429.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    activity = models.ForeignKey(APActivity, on_delete=models.CASCADE, related_name="deliveries")
    inbox = models.URLField(max_length=500)
    host = models.CharField(max_length=255, db_index=True, help_text="The inbox's host, for the per-host breaker.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["activity", "inbox"], name="fed_delivery_once_per_inbox")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="fed_delivery_due")]

    def __str__(self):
        return f"{self.activity.type} → {self.inbox}"


class FollowerPolicy(models.Model):
    """A member's choice: accept followers automatically (the default, no row) or approve each."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_policy")
    approve_manually = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "follower policies"

    def __str__(self):
        return f"{self.member}: {'manual' if self.approve_manually else 'automatic'}"


class Follow(models.Model):
    """
    ``follower_url`` follows ``followee_url`` (actor URLs, either side local or remote).

    The local side, when a member, is also kept as a foreign key (timelines, lists); the remote side
    as a ``PeerActor`` (its inbox, name and handle, joined in one query).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    follower_url = models.URLField(max_length=500)
    followee_url = models.URLField(max_length=500, db_index=True)
    follower_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="following_set"
    )
    followee_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="follower_set"
    )
    follower_peer = models.ForeignKey(
        PeerActor, null=True, blank=True, on_delete=models.CASCADE, related_name="follows_out"
    )
    followee_peer = models.ForeignKey(
        PeerActor, null=True, blank=True, on_delete=models.CASCADE, related_name="follows_in"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    activity_id = models.URLField(max_length=500, help_text="The Follow activity's id (Accept/Undo name it).")
    created = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["follower_url", "followee_url"], name="fed_follow_once")]
        indexes = [models.Index(fields=["followee_url", "state"], name="fed_follow_followers")]

    def __str__(self):
        return f"{self.follower_url} → {self.followee_url} ({self.state})"


class Note(models.Model):
    """
    A Note, Article or Event, ours or a peer's, with sanitized content; the object timelines list.

    Local objects have ``is_local``; a member's have ``author_member``, a site's ``author_site``,
    and content another app publishes has ``source`` ("app.model:pk", see ``services.publish``).
    Counts of likes, boosts and replies are kept on the row so lists need no aggregate.
    """

    class Kind(models.TextChoices):
        NOTE = "Note"
        ARTICLE = "Article"
        EVENT = "Event"

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        UNLISTED = "unlisted"
        FOLLOWERS = "followers", "followers only"

    object_id = models.URLField("object id", max_length=500, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    url = models.URLField(max_length=500, blank=True, help_text="The page people read it on.")
    author_url = models.URLField(max_length=500, db_index=True)
    author_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    author_peer = models.ForeignKey(PeerActor, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    author_site = models.CharField(max_length=20, blank=True, help_text="The site whose actor wrote it.")
    is_local = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True)  # indexed by fed_note_source_unique
    name = models.CharField(max_length=500, blank=True, help_text="An Article's title.")
    summary = models.CharField(max_length=500, blank=True, help_text="A note's content warning; an article's excerpt.")
    content = models.TextField(help_text="Sanitized HTML.")
    hashtags = models.JSONField(
        default=list, blank=True, help_text='Hashtags of an object our apps publish: [{"name": "#tag", "href": URL}].'
    )
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text='Images of an object our apps publish: [{"type": "Image", "mediaType", "url", "name": alt}].',
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Fields of its type beyond a note's (an Event's startTime, location...), as publishing cleaned them.",
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    in_reply_to = models.URLField(max_length=500, blank=True, db_index=True)
    in_reply_to_note = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    published = models.DateTimeField(default=timezone.now, db_index=True)
    updated = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True, help_text="Tombstoned: kept for ids, never shown.")
    like_count = models.PositiveIntegerField(default=0)
    boost_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published", "-id"]
        # One note per published object: two publishes of it at once cannot both insert one.
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~models.Q(source=""), name="fed_note_source_unique")
        ]
        indexes = [
            models.Index(fields=["is_local", "visibility", "published"], name="fed_note_local_timeline"),
            models.Index(fields=["author_url", "published"], name="fed_note_by_author"),
        ]

    def __str__(self):
        return self.name or self.object_id


class Reaction(models.Model):
    """
    An actor's Like or Announce of a note, once per actor and note. The note counts them in the
    column ``counter`` names, and its author is told with a notification of kind ``notifies``.
    """

    counter = ""
    notifies = ""
    activity_type = ""

    actor_url = models.URLField(max_length=500)
    actor_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="%(class)ss")
    activity_id = models.URLField(max_length=500, unique=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["actor_url", "note"], name="fed_%(class)s_once")]


class Like(Reaction):
    counter = "like_count"
    notifies = "like"
    activity_type = "Like"

    def __str__(self):
        return f"{self.actor_url} likes {self.note_id}"


class Boost(Reaction):
    """An Announce of a note by an actor: it shows in that actor's followers' home timelines."""

    counter = "boost_count"
    notifies = "boost"
    activity_type = "Announce"

    actor_url = models.URLField(max_length=500, db_index=True)  # home timelines look boosts up by booster

    def __str__(self):
        return f"{self.actor_url} boosts {self.note_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened to a member: who did it (actor URL and name, kept), and to what."""

    class Kind(models.TextChoices):
        FOLLOW = "follow"
        FOLLOW_REQUEST = "follow_request", "follow request"
        LIKE = "like"
        BOOST = "boost"
        MENTION = "mention"
        REPLY = "reply"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor_url = models.URLField(max_length=500)
    actor_name = models.CharField(max_length=255, blank=True, help_text="Display name or handle, as it was.")
    note = models.ForeignKey(Note, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    follow = models.ForeignKey(Follow, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="fed_notification_unread")]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id} from {self.actor_url}"


# --- How our site actors present themselves ---

SUMMARY_MAX = 500  # characters, as Mastodon's own bios
PROFILE_FIELDS_MAX = 4  # name/value pairs, as many as Mastodon shows


class SiteActorProfile(models.Model):
    """
    How a site's ``Service`` actor presents itself to peers and on its page: one row per site.

    Empty fields fall back to the defaults ``actors.site_actor`` gives. Pictures are checked to be
    real images (``images.validate_picture``) and stored under a new name at each upload. Change a
    profile through the admin or ``site_profiles.update_profile``: both send the actor's followers
    an ``Update``.
    """

    PICTURES = ("icon", "header")

    site = models.CharField(max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=100, blank=True, help_text="Display name. Empty: “Rose Ash <Site>”.")
    summary = models.TextField(
        blank=True,
        max_length=SUMMARY_MAX,
        validators=[MaxLengthValidator(SUMMARY_MAX)],  # a TextField's max_length binds only its form
        help_text=f"Plain text, at most {SUMMARY_MAX} characters; a blank line starts a paragraph.",
    )
    icon = models.ImageField(
        upload_to=PicturePath("icon"),
        blank=True,
        validators=[validate_picture],
        help_text="The avatar: PNG, JPEG, GIF or WebP, at most 2 MiB; square, 400x400 pixels shows well.",
    )
    header = models.ImageField(
        upload_to=PicturePath("header"),
        blank=True,
        validators=[validate_picture],
        help_text="The banner above the profile: PNG, JPEG, GIF or WebP, at most 2 MiB; 1500x500 pixels shows well.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site"]
        verbose_name = "site actor profile"

    def __str__(self):
        return self.site

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remember the pictures as stored, so a save knows which files it replaced (``replaced_pictures``)."""
        profile = super().from_db(db, field_names, values)
        profile._stored_pictures = {name: getattr(profile, name).name for name in cls.PICTURES}
        return profile

    def replaced_pictures(self):
        """Return the names of the stored files this row no longer points at."""
        stored = getattr(self, "_stored_pictures", {})
        return [old for name, old in stored.items() if old and old != getattr(self, name).name]


class SiteActorField(models.Model):
    """One name/value pair shown on a site actor's profile (Mastodon's profile metadata)."""

    profile = models.ForeignKey(SiteActorProfile, on_delete=models.CASCADE, related_name="profile_fields")
    name = models.CharField(max_length=255, help_text="e.g. Website")
    value = models.CharField(max_length=255, help_text="Plain text; an http(s) address becomes a link.")

    class Meta:
        ordering = ["profile", "id"]
        verbose_name = "profile field"

    def __str__(self):
        return f"{self.name}: {self.value}"
