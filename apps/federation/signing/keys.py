"""
The instance keypairs: created on first use, rotated and retired by operators.

Actor documents are served on every fetch, so the published keys are kept in process memory for
``PUBLISHED_TTL`` seconds: after a rotation other processes publish the new key within that time,
while the old key stays published until it is retired.
"""

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import RoseAshError

from ..models import InstanceKey

FIRST_KEY = "main-key"
KEY_SIZE = 2048
ALGORITHM = "rsa-sha256"
PUBLISHED_TTL = 60
PUBLISHED_KEY = "federation:published-keys"


@dataclass(frozen=True)
class PublishedKey:
    """The public half of an instance key, as every actor publishes it."""

    name: str
    public_key_pem: str
    created: datetime

    @property
    def algorithm(self):
        return ALGORITHM


def generate_keypair():
    """Return ``(private_pem, public_pem)`` of a new RSA-2048 key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def _create(name):
    private_pem, public_pem = generate_keypair()
    return InstanceKey.objects.create(name=name, private_key_pem=private_pem, public_key_pem=public_pem)


def signing_key():
    """Return the key that signs now (the newest unretired one), creating the first on first use."""
    key = InstanceKey.objects.filter(retired__isnull=True).order_by("-created", "-id").first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create(FIRST_KEY)
    except IntegrityError:  # another process created it first
        return InstanceKey.objects.get(name=FIRST_KEY)


def published_keys():
    """
    Return the unretired keys, oldest first, as ``PublishedKey`` values.

    Every actor document carries them, so each process keeps them for ``PUBLISHED_TTL`` seconds;
    a rotation in another process is published everywhere within that time.
    """
    keys = caches["process"].get(PUBLISHED_KEY)
    if keys is None:
        signing_key()
        rows = InstanceKey.objects.filter(retired__isnull=True).values_list("name", "public_key_pem", "created")
        keys = tuple(PublishedKey(*row) for row in rows)
        caches["process"].set(PUBLISHED_KEY, keys, PUBLISHED_TTL)
    return keys


def forget_published_keys():
    """Drop this process's copy of the published keys (after a change)."""
    caches["process"].delete(PUBLISHED_KEY)


def rotate():
    """Add a new signing key; the previous keys stay published until retired. Return the new key."""
    with transaction.atomic():
        signing_key()
        number = InstanceKey.objects.count() + 1
        name = f"key-{number}"
        while InstanceKey.objects.filter(name=name).exists():
            number += 1
            name = f"key-{number}"
        key = _create(name)
    forget_published_keys()
    return key


def retire(name):
    """Stop publishing the key ``name``. The signing key cannot be retired: rotate first."""
    with transaction.atomic():
        key = InstanceKey.objects.select_for_update().filter(name=name).first()
        if key is None:
            raise RoseAshError("key_unknown", f"There is no instance key named {name!r}.", status=404)
        if key.retired is not None:
            raise RoseAshError("key_retired", f"The key {name!r} was already retired on {key.retired:%Y-%m-%d}.")
        if key.pk == signing_key().pk:
            raise RoseAshError(
                "key_signing", f"{name!r} is the key that signs now: rotate to a new key first, then retire this one."
            )
        key.retired = timezone.now()
        key.save(update_fields=["retired"])
    forget_published_keys()
    return key


def fingerprint(public_pem):
    """Return the SHA-256 fingerprint of a public key, for operators to compare keys by eye."""
    public = serialization.load_pem_public_key(public_pem.encode())
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return "SHA256:" + digest.finalize().hex()
