"""What federation keeps: the instance's signing keys and what we learned about other servers' actors."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

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
