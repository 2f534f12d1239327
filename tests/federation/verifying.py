"""Verifying a request the way the inbox does, for the signature tests of both dialects."""

import pytest

from apps.federation import signatures
from apps.federation.signatures import SignatureError


def accept(request, public_pem, **kwargs):
    """Inspect and verify ``request`` with ``public_pem``; return what ``verify`` returns."""
    params = signatures.inspect(request, **kwargs)
    return signatures.verify(params, request, public_pem)


def refused(request, public_pem, **kwargs):
    """Return the code ``request`` is refused with (it must be)."""
    with pytest.raises(SignatureError) as raised:
        accept(request, public_pem, **kwargs)
    return raised.value.code
