"""
RFC 9421 message signatures: the published examples of Appendix B (signature base and signature,
byte for byte), signatures made by an independent implementation (the ``http-message-signatures``
library) the way Mastodon 4.4+ makes them, and every refusal, each before or by verification.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from apps.federation.signing import rfc9421, signatures
from apps.federation.signing.signatures import SignatureError, SignedRequest

from .verifying import accept, ec_public_pem, refused

KEY_ID = "https://mastodon.example/users/ana#main-key"
INBOX = "https://federation.coop.example/actors/alice/inbox"
BODY = b'{"type":"Follow","actor":"https://mastodon.example/users/ana"}'

# RFC 9421 Appendix B.1.2, test-key-rsa-pss (public half).
RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""

# RFC 9421 Appendix B.2: the test request, then each example's Signature-Input, Signature and base.
RFC_DIGEST = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": RFC_DIGEST,
    "Content-Length": "18",
}
RFC_BODY = b'{"hello": "world"}'
RFC_SIGNED_AT = datetime(2021, 4, 20, 2, 7, 53, tzinfo=UTC)  # created=1618884473
RFC_EXAMPLES = {
    "B.2.1": (
        'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7z"
        "FZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXeh"
        "hWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3"
        "+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
        '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
    ),
    "B.2.2": (
        'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
        ';keyid="test-key-rsa-pss";tag="header-example"',
        "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8U"
        "CMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjq"
        "pcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoK"
        "UqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:",
        "\n".join(
            [
                '"@authority": example.com',
                f'"content-digest": {RFC_DIGEST}',
                '"@query-param";name="Pet": dog',
                '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
                ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
            ]
        ),
    ),
    "B.2.3": (
        'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length")'
        ';created=1618884473;keyid="test-key-rsa-pss"',
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voT"
        "p768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7"
        "YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJz"
        "SRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
        "\n".join(
            [
                '"date": Tue, 20 Apr 2021 02:07:55 GMT',
                '"@method": POST',
                '"@path": /foo',
                '"@query": ?param=Value&Pet=dog',
                '"@authority": example.com',
                '"content-type": application/json',
                f'"content-digest": {RFC_DIGEST}',
                '"content-length": 18',
                '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" '
                '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
            ]
        ),
    ),
}


def rfc_request(example, **header_changes):
    signature_input, signature, _base = RFC_EXAMPLES[example]
    headers = {**RFC_HEADERS, "Signature-Input": signature_input, "Signature": signature, **header_changes}
    headers = {name: value for name, value in headers.items() if value is not None}
    return SignedRequest.build("POST", "/foo?param=Value&Pet=dog", headers, RFC_BODY, "https")


def mastodon_signed_post(
    private_pem,
    *,
    url=INBOX,
    body=BODY,
    components=("@method", "@target-uri"),
    created=None,
    expires=None,
    algorithm=algorithms.RSA_V1_5_SHA256,
    include_alg=True,
    label="sig1",
):
    """
    Sign an inbox POST with the ``http-message-signatures`` library the way Mastodon 4.4+ does:
    ``@method @target-uri content-digest`` (sha-256), created and keyid, rsa-v1_5-sha256.
    """
    prepared = requests.Request("POST", url, data=body, headers={"Content-Type": "application/activity+json"}).prepare()
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: private_pem.encode()}),
    )
    signer.sign(
        prepared,
        key_id=KEY_ID,
        created=created or datetime.now(UTC),
        expires=expires,
        label=label,
        include_alg=include_alg,
        covered_component_ids=components,
        body=body,
    )
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    return SignedRequest.build("POST", path, {"Host": parts.netloc, **prepared.headers}, body, parts.scheme)


def changed(request, *, body=None, **headers):
    """Return ``request`` with headers replaced (None drops one) and perhaps another body."""
    merged = {**request.headers, **{name.replace("_", "-").lower(): value for name, value in headers.items()}}
    merged = {name: value for name, value in merged.items() if value is not None}
    return SignedRequest(request.method, request.path, merged, request.body if body is None else body, request.scheme)


# --- RFC 9421 Appendix B ---


@pytest.mark.parametrize("example", sorted(RFC_EXAMPLES))
def test_the_rfc_examples_give_the_published_signature_base_and_verify(example):
    request = rfc_request(example)
    [signature] = rfc9421.read(request)

    assert rfc9421.signature_base(signature, request, "example.com").decode() == RFC_EXAMPLES[example][2]
    assert rfc9421.verify(signature, request, RSA_PSS_PUBLIC) is signature


def test_the_fully_covered_rfc_example_passes_every_check_at_its_time():
    params = accept(rfc_request("B.2.3"), RSA_PSS_PUBLIC, now=RFC_SIGNED_AT + timedelta(seconds=2))

    assert (params.label, params.key_id, params.created) == ("sig-b23", "test-key-rsa-pss", 1618884473)


@pytest.mark.parametrize(
    ("example", "changes"),
    [
        ("B.2.3", {"Date": "Tue, 20 Apr 2021 02:07:56 GMT"}),
        ("B.2.3", {"Content-Length": "19"}),
        ("B.2.2", {"Host": "example.org"}),
        ("B.2.1", {"Signature-Input": RFC_EXAMPLES["B.2.1"][0].replace("1618884473", "1618884474")}),
    ],
    ids=["date", "content-length", "authority", "created"],
)
def test_an_rfc_example_with_a_covered_value_changed_does_not_verify(example, changes):
    request = rfc_request(example, **changes)
    [signature] = rfc9421.read(request)

    with pytest.raises(SignatureError) as raised:
        rfc9421.verify(signature, request, RSA_PSS_PUBLIC)
    assert raised.value.code == "signature_invalid"


def test_the_rfc_examples_without_method_or_target_are_refused_before_any_key():
    now = RFC_SIGNED_AT
    for example in ("B.2.1", "B.2.2"):
        with pytest.raises(SignatureError) as raised:
            signatures.inspect(rfc_request(example), now=now)
        assert raised.value.code == "components_unsigned"


# --- signatures made by an independent implementation ---


def test_a_mastodon_style_signature_verifies(keys):
    private, public = keys
    request = mastodon_signed_post(private)

    params = accept(request, public)

    assert request.headers["content-digest"].startswith("sha-256=:")
    assert params.key_id == KEY_ID
    assert params.algorithm == "rsa-v1_5-sha256"
    assert [name for name, _ in params.components] == ["@method", "@target-uri", "content-digest"]


@pytest.mark.parametrize(
    ("algorithm", "include_alg"),
    [
        (algorithms.RSA_V1_5_SHA256, False),
        (algorithms.RSA_PSS_SHA512, True),
        (algorithms.RSA_PSS_SHA512, False),
    ],
    ids=["v1_5-without-alg", "pss-with-alg", "pss-without-alg"],
)
def test_either_rsa_algorithm_verifies_with_or_without_alg(keys, algorithm, include_alg):
    private, public = keys

    accept(mastodon_signed_post(private, algorithm=algorithm, include_alg=include_alg), public)


def test_authority_path_and_query_may_stand_for_the_target_uri(keys):
    private, public = keys
    components = ("@method", "@authority", "@path", "@query")

    accept(mastodon_signed_post(private, url=INBOX + "?page=1", components=components), public)


def test_a_query_must_be_covered_when_the_target_uri_is_not(keys):
    private, public = keys
    request = mastodon_signed_post(private, url=INBOX + "?page=1", components=("@method", "@authority", "@path"))

    assert refused(request, public) == "components_unsigned"


def test_a_host_signed_without_its_port_still_verifies(keys):
    private, public = keys
    request = mastodon_signed_post(private, url="http://federation.localhost/inbox")

    accept(changed(request, Host="federation.localhost:8000"), public)


def test_the_default_port_is_not_part_of_the_authority(keys):
    private, public = keys

    accept(changed(mastodon_signed_post(private), Host="federation.coop.example:443"), public)


def test_the_first_signature_that_passes_the_checks_is_verified(keys):
    private, public = keys
    good = mastodon_signed_post(private, label="good")
    unkeyed = 'bad=("@method" "@target-uri" "content-digest");created=1'
    request = changed(
        good,
        Signature_Input=f"{unkeyed}, {good.headers['signature-input']}",
        Signature="bad=:AAAA:, " + good.headers["signature"],
    )

    assert accept(request, public).label == "good"


def test_a_request_with_signature_input_is_never_read_as_draft_cavage(keys):
    private, public = keys
    cavage = signatures.sign("POST", INBOX, key_id=KEY_ID, private_key_pem=private, body=BODY)
    request = SignedRequest.build("POST", "/actors/alice/inbox", {**cavage, "Signature-Input": "sig1=()"}, BODY)

    assert refused(request, public) == "signature_malformed"  # the draft-cavage Signature is no dictionary


# --- refusals ---


def test_a_signature_input_without_signature_is_refused(keys):
    request = changed(mastodon_signed_post(keys[0]), Signature=None)

    assert refused(request, keys[1]) == "signature_missing"


@pytest.mark.parametrize(
    ("components", "url"),
    [
        (("@target-uri",), INBOX),  # no method
        (("@method",), INBOX),  # no target
        (("@method", "@authority"), INBOX),  # no path
        (("@method", "@path"), INBOX),  # no authority
        (("@method", "@authority", "@path"), INBOX + "?page=1"),  # no query
    ],
    ids=["no-method", "no-target", "no-path", "no-authority", "no-query"],
)
def test_a_signature_must_cover_method_and_target(keys, components, url):
    assert refused(mastodon_signed_post(keys[0], url=url, components=components), keys[1]) == "components_unsigned"


def test_a_body_must_be_covered_by_its_content_digest(keys):
    private, public = keys
    request = mastodon_signed_post(private)
    input_without_digest = request.headers["signature-input"].replace(' "content-digest"', "")

    assert refused(changed(request, Signature_Input=input_without_digest), public) == "components_unsigned"


@pytest.mark.parametrize(
    ("digest", "code"),
    [
        (None, "digest_missing"),
        ("md5=:AAAA:", "digest_missing"),
        ("sha-256=not-bytes", "digest_malformed"),
        ("sha-256=:AAAA", "digest_malformed"),
        ("sha-256=:" + "A" * 43 + "=:", "digest_mismatch"),
    ],
    ids=["absent", "no-known-algorithm", "not-a-byte-sequence", "not-a-dictionary", "wrong-value"],
)
def test_a_content_digest_that_is_absent_unreadable_or_wrong_is_refused(keys, digest, code):
    request = changed(mastodon_signed_post(keys[0]), Content_Digest=digest)

    assert refused(request, keys[1]) == code


def test_a_tampered_body_fails_its_content_digest(keys):
    request = mastodon_signed_post(keys[0])

    assert refused(changed(request, body=BODY.replace(b"Follow", b"Block")), keys[1]) == "digest_mismatch"


def test_every_known_digest_offered_must_match(keys):
    request = mastodon_signed_post(keys[0])
    digest = request.headers["content-digest"] + ", sha-512=:" + "A" * 86 + "==:"

    assert refused(changed(request, Content_Digest=digest), keys[1]) == "digest_mismatch"


def test_a_content_digest_recomputed_for_a_tampered_body_breaks_the_signature(keys):
    request = mastodon_signed_post(keys[0])
    tampered = mastodon_signed_post(keys[0], body=BODY.replace(b"Follow", b"Block"))

    forged = changed(request, body=tampered.body, Content_Digest=tampered.headers["content-digest"])
    assert refused(forged, keys[1]) == "signature_invalid"


@pytest.mark.parametrize(
    ("signed", "expires", "code"),
    [
        (timedelta(hours=-13), None, "date_expired"),
        (timedelta(hours=2), None, "date_future"),
        (timedelta(minutes=-5), timedelta(minutes=-1), "date_expired"),
    ],
    ids=["13-hours-old", "2-hours-ahead", "expired"],
)
def test_a_signature_outside_its_time_is_refused(keys, signed, expires, code):
    now = datetime.now(UTC)
    request = mastodon_signed_post(keys[0], created=now + signed, expires=expires and now + expires)

    assert refused(request, keys[1]) == code


def test_a_signature_within_its_time_is_accepted(keys):
    now = datetime.now(UTC)
    for signed in (timedelta(hours=-11), timedelta(minutes=50)):
        accept(mastodon_signed_post(keys[0], created=now + signed, expires=now + timedelta(hours=1)), keys[1])


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda text: text.replace(';alg="rsa-v1_5-sha256"', ';alg="hmac-sha256"'), "algorithm_unsupported"),
        (lambda text: text.replace(';alg="rsa-v1_5-sha256"', ';alg="rsa-sha256"'), "algorithm_unsupported"),
        (lambda text: text.replace(f';keyid="{KEY_ID}"', ""), "keyid_missing"),
        (lambda text: text.split(";created=")[0] + f';keyid="{KEY_ID}"', "created_missing"),
        (lambda text: text.replace('"@target-uri"', '"@target-uri" "date"'), "component_missing"),
        (lambda text: text.replace('"@target-uri"', '"@target-uri" "content-type";sf'), "component_unsupported"),
        (lambda text: text.replace('"@target-uri"', '"@target-uri" "@status"'), "component_unsupported"),
        (lambda text: text.replace('"@target-uri"', '"@target-uri" "@query-param";name="x"'), "component_missing"),
    ],
    ids=[
        "hmac",
        "draft-cavage-name",
        "no-keyid",
        "no-created",
        "covered-header-absent",
        "field-parameters",
        "response-component",
        "absent-query-param",
    ],
)
def test_a_signature_input_we_cannot_accept_is_refused_before_any_key(keys, edit, code):
    request = mastodon_signed_post(keys[0])
    edited = changed(request, Signature_Input=edit(request.headers["signature-input"]))

    with pytest.raises(SignatureError) as raised:
        signatures.inspect(edited)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ("garbage((", None),
        ("", None),
        ('sig1="@method"', None),
        ("sig1", None),
        ('sig1=("@method" "@method");keyid="k";created=1', None),
        ('sig1=("@Method");keyid="k";created=1', None),
        ("sig1=(@method);keyid=k;created=1", None),
        ('sig1=("@method");keyid="k";created="1"', None),
        ('sig1=("@method");keyid=k;created=1', None),
        ('sig1=("@method");keyid="k";created=1;created=2', None),
        ('sig1=("@method");keyid="k";created=1, sig1=();keyid="k";created=1', None),
        ('sig1=("@méthod");keyid="k";created=1', None),
        ('sig2=("@method");keyid="k";created=1', None),
        (None, "sig1=AAAA"),
        (None, 'sig1="AAAA"'),
        (None, "sig1=::"),
        (None, "sig1=:AAAA:, sig1=:AAAA:"),
        (None, "not a dictionary"),
    ],
)
def test_malformed_signature_headers_are_refused(keys, signature_input, signature):
    request = mastodon_signed_post(keys[0])
    headers = {"Signature_Input": signature_input, "Signature": signature}
    edited = changed(request, **{name: value for name, value in headers.items() if value is not None})

    assert refused(edited, keys[1]) == "signature_malformed"


def test_another_key_does_not_verify(keys, other_keys):
    assert refused(mastodon_signed_post(keys[0]), other_keys[1]) == "signature_invalid"


def test_a_forged_signature_value_does_not_verify(keys):
    request = mastodon_signed_post(keys[0])

    assert refused(changed(request, Signature="sig1=:" + "A" * 340 + "==:"), keys[1]) == "signature_invalid"


def test_a_non_rsa_key_is_refused(keys):
    assert refused(mastodon_signed_post(keys[0]), ec_public_pem()) == "key_invalid"


def test_a_signed_method_must_be_the_requests(keys):
    request = mastodon_signed_post(keys[0])
    as_put = SignedRequest("put", request.path, request.headers, request.body, request.scheme)

    assert refused(as_put, keys[1]) == "signature_invalid"


def test_a_signed_scheme_must_be_the_requests(keys):
    request = mastodon_signed_post(keys[0])

    assert refused(SignedRequest("post", request.path, request.headers, request.body, "http"), keys[1]) == (
        "signature_invalid"
    )


def test_a_created_time_out_of_any_range_is_refused_not_raised(keys):
    request = mastodon_signed_post(keys[0])
    created = request.headers["signature-input"].split(";created=")[1].split(";")[0]
    edited = changed(request, Signature_Input=request.headers["signature-input"].replace(created, "9" * 15))

    with pytest.raises(SignatureError) as raised:
        signatures.inspect(edited)
    assert raised.value.code == "date_invalid"


def test_a_covered_value_that_cannot_be_in_a_signature_base_is_refused(keys):
    request = mastodon_signed_post(keys[0])
    covering_name = request.headers["signature-input"].replace('"@target-uri"', '"@target-uri" "x-name"')
    edited = changed(request, Signature_Input=covering_name, X_Name="Zoë")

    with pytest.raises(SignatureError) as raised:
        signatures.inspect(edited)
    assert raised.value.code == "component_invalid"
