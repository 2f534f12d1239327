"""
Signatures against an independent implementation (the ``httpsig`` library) in both directions,
and every refusal of the reference: each must be refused before or by verification.
"""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpsig
import pytest

from apps.federation.signing import signatures
from apps.federation.signing.signatures import SignatureError, SignedRequest

from .verifying import accept, ec_public_pem, refused

KEY_ID = "https://mastodon.example/users/ana#main-key"
INBOX = "https://federation.coop.example/actors/alice/inbox"
BODY = b'{"type":"Follow","actor":"https://mastodon.example/users/ana"}'


def mastodon_signed_post(private_pem, *, body=BODY, date=None, headers=("(request-target)", "host", "date", "digest")):
    """Sign an inbox POST with httpsig, the way Mastodon signs its deliveries."""
    sent = {
        "Host": "federation.coop.example",
        "Date": format_datetime(date or datetime.now(UTC), usegmt=True),
        "Digest": signatures.digest(body),
        "Content-Type": "application/activity+json",
    }
    signer = httpsig.HeaderSigner(
        KEY_ID, private_pem, algorithm="rsa-sha256", headers=list(headers), sign_header="signature"
    )
    signed = signer.sign(sent, host="federation.coop.example", method="POST", path="/actors/alice/inbox")
    return SignedRequest.build("POST", "/actors/alice/inbox", signed, body)


def test_a_request_signed_by_an_independent_implementation_verifies(keys):
    private, public = keys

    params = accept(mastodon_signed_post(private), public)

    assert params.key_id == KEY_ID
    assert params.headers == ("(request-target)", "host", "date", "digest")


def test_our_signed_delivery_verifies_with_an_independent_verifier(keys):
    private, public = keys

    headers = signatures.sign("POST", INBOX, key_id=KEY_ID, private_key_pem=private, body=BODY)

    verifier = httpsig.HeaderVerifier(
        headers,
        public,
        required_headers=["(request-target)", "host", "date", "digest", "content-type"],
        method="POST",
        path="/actors/alice/inbox",
        host="federation.coop.example",
        sign_header="signature",
    )
    assert verifier.verify()
    assert headers["Digest"] == signatures.digest(BODY)


def test_our_signed_get_signs_accept_and_verifies(keys):
    private, public = keys
    headers = signatures.sign(
        "GET",
        "https://mastodon.example/users/ana?x=1",
        key_id=KEY_ID,
        private_key_pem=private,
        headers={"Accept": "application/activity+json"},
    )
    request = SignedRequest.build("GET", "/users/ana?x=1", headers)

    params = accept(request, public)

    assert params.headers == ("(request-target)", "host", "date", "accept")


def test_a_host_signed_without_its_port_still_verifies(keys):
    private, public = keys
    headers = signatures.sign(
        "POST", "http://federation.localhost/inbox", key_id=KEY_ID, private_key_pem=private, body=BODY
    )
    headers["Host"] = "federation.localhost:8000"  # the port the peer really connected to

    accept(SignedRequest.build("POST", "/inbox", headers, BODY), public)


def test_an_unsigned_request_is_refused(keys):
    request = SignedRequest.build("POST", "/inbox", {"Host": "x", "Digest": signatures.digest(BODY)}, BODY)

    assert refused(request, keys[1]) == "signature_missing"


@pytest.mark.parametrize(
    ("signed_headers", "code"),
    [
        (("(request-target)", "host", "date"), "headers_unsigned"),  # no digest
        (("(request-target)", "host", "digest"), "headers_unsigned"),  # no date
        (("host", "date", "digest"), "headers_unsigned"),  # no request target
    ],
)
def test_a_signature_must_cover_target_host_date_and_digest(keys, signed_headers, code):
    assert refused(mastodon_signed_post(keys[0], headers=signed_headers), keys[1]) == code


def test_a_tampered_body_fails_its_digest(keys):
    request = mastodon_signed_post(keys[0])
    tampered = SignedRequest(request.method, request.path, request.headers, BODY.replace(b"Follow", b"Block"))

    assert refused(tampered, keys[1]) == "digest_mismatch"


def test_a_digest_recomputed_for_a_tampered_body_breaks_the_signature(keys):
    request = mastodon_signed_post(keys[0])
    body = BODY.replace(b"Follow", b"Block")
    tampered = SignedRequest(request.method, request.path, {**request.headers, "digest": signatures.digest(body)}, body)

    assert refused(tampered, keys[1]) == "signature_invalid"


@pytest.mark.parametrize(
    ("age", "code"),
    [(timedelta(hours=13), "date_expired"), (timedelta(hours=-2), "date_future")],
)
def test_a_date_outside_the_window_is_refused(keys, age, code):
    request = mastodon_signed_post(keys[0], date=datetime.now(UTC) - age)

    assert refused(request, keys[1]) == code


def test_a_date_within_the_window_is_accepted(keys):
    accept(mastodon_signed_post(keys[0], date=datetime.now(UTC) - timedelta(hours=11)), keys[1])


def test_a_wrong_algorithm_is_refused(keys):
    request = mastodon_signed_post(keys[0])
    value = request.headers["signature"].replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"')

    assert refused(
        SignedRequest(request.method, request.path, {**request.headers, "signature": value}, BODY), keys[1]
    ) == ("algorithm_unsupported")


def test_another_key_does_not_verify(keys, other_keys):
    assert refused(mastodon_signed_post(keys[0]), other_keys[1]) == "signature_invalid"


def test_a_non_rsa_key_is_refused(keys):
    assert refused(mastodon_signed_post(keys[0]), ec_public_pem()) == "key_invalid"


@pytest.mark.parametrize(
    "header",
    ['keyId="k"', 'signature="AAAA"', 'keyId="k",signature="not base64!"', "garbage", 'keyId="k" signature="AAAA"'],
)
def test_a_malformed_signature_header_is_refused(keys, header):
    request = SignedRequest.build("POST", "/inbox", {"Signature": header, "Host": "x"}, BODY)

    assert refused(request, keys[1]) == "signature_malformed"


def test_a_signed_header_missing_from_the_request_is_refused(keys):
    request = mastodon_signed_post(keys[0])
    headers = {key: value for key, value in request.headers.items() if key != "date"}

    assert refused(SignedRequest(request.method, request.path, headers, BODY), keys[1]) == "header_missing"


def test_a_created_time_beyond_any_date_is_refused_not_raised():
    body = BODY
    header = (
        'keyId="https://mastodon.example/users/ana#main-key",algorithm="hs2019",'
        'headers="(request-target) host (created) digest",created=99999999999999,signature="AAAA"'
    )
    request = SignedRequest.build(
        "POST",
        "/actors/alice/inbox",
        {"Host": "federation.coop.example", "Digest": signatures.digest(body), "Signature": header},
        body,
    )

    with pytest.raises(SignatureError) as raised:
        signatures.inspect(request)

    assert raised.value.code == "date_invalid"
