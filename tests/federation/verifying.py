"""Verifying a request the way the inbox does, for the signature tests of both dialects."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from apps.federation.signing import signatures
from apps.federation.signing.signatures import SignatureError


def accept(request, public_pem, **kwargs):
    """Inspect and verify ``request`` with ``public_pem``; return what ``verify`` returns."""
    params = signatures.inspect(request, **kwargs)
    return signatures.verify(params, request, public_pem)


def refused(request, public_pem, **kwargs):
    """Return the code ``request`` is refused with (it must be)."""
    with pytest.raises(SignatureError) as raised:
        accept(request, public_pem, **kwargs)
    return raised.value.code


def ec_public_pem():
    """Return the PEM of a new elliptic-curve public key, a kind of key we do not verify with."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
