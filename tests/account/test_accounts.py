"""Member accounts on the federation site: sign up, confirm, sign in with throttling, passwords."""

import re

import pytest
from django.core import mail

from apps.account.models import SSOSession
from roseash.celery import app as celery_app

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def federation(site_client):
    return site_client("federation")


def sign_in(client, login, password, next_url=""):
    data = {"username": login, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/account/sign-in/", data)


def test_sign_up_creates_an_inactive_member_and_emails_a_confirmation_link(
    federation, django_user_model, django_capture_on_commit_callbacks, monkeypatch
):
    # The email task runs in this process even where CI names a broker: no worker runs here.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        response = federation.post(
            "/account/sign-up/",
            {"username": "Carol_1", "email": "Carol@Example.org", "password1": PASSWORD, "password2": PASSWORD},
        )

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-up/sent/"
    assert "Welcome, Carol_1! One step left" in federation.get(response["Location"]).content.decode()
    carol = django_user_model.objects.get(username="Carol_1")
    assert carol.email == "carol@example.org"
    assert not carol.is_active
    assert len(mail.outbox) == 1
    link = re.search(r"http://federation\.localhost/account/confirm/\S+", mail.outbox[0].body).group(0)

    confirmed = federation.get(link.removeprefix("http://federation.localhost"))

    assert confirmed.status_code == 302
    carol.refresh_from_db()
    assert carol.is_active
    assert sign_in(federation, "carol@example.org", PASSWORD).status_code == 302
    # The link is spent once the account is active.
    assert federation.get(link.removeprefix("http://federation.localhost")).status_code == 400


def test_an_unconfirmed_member_cannot_sign_in_but_gets_a_new_link_once(
    federation, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    federation.post(
        "/account/sign-up/",
        {"username": "dave", "email": "dave@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(federation, "dave", PASSWORD)
        again = sign_in(federation, "dave", PASSWORD)
        wrong = sign_in(federation, "dave", "not-the-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in federation.session
    assert "we have emailed you a new link" in response.content.decode()
    assert "we have emailed you a new link" in again.content.decode()
    assert "we have emailed you a new link" not in wrong.content.decode()
    assert [message.to for message in mail.outbox] == [["dave@example.org"]]


@pytest.mark.parametrize(
    ("username", "email"),
    [
        ("ALICE", "new@example.org"),
        ("newbie", "ALICE@example.org"),
        ("federation", "x@example.org"),
        ("a-b", "y@e.org"),
    ],
)
def test_sign_up_refuses_taken_reserved_or_invalid_names(federation, member, username, email):
    response = federation.post(
        "/account/sign-up/", {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 200
    assert not mail.outbox


def test_a_forged_confirmation_link_is_refused(federation, member):
    response = federation.get("/account/confirm/MQ/forged-token/")

    assert response.status_code == 400


def test_sign_in_starts_an_sso_session_and_goes_to_a_safe_next(federation, member):
    response = sign_in(federation, "Alice", PASSWORD, next_url="http://cart.localhost/checkout")

    assert response["Location"] == "http://cart.localhost/checkout"
    assert federation.session["sso_sid"] == str(SSOSession.objects.get(user=member).pk)


def test_a_member_signing_in_here_is_welcomed_here(federation, member):
    response = sign_in(federation, "alice", PASSWORD)

    assert [str(m) for m in federation.get(response["Location"]).context["messages"]] == ["Welcome back, alice."]


def test_signing_in_for_another_site_leaves_the_greeting_to_that_site(federation, member):
    authorize = "/o/authorize/?client_id=roseash-blog&response_type=code"

    response = sign_in(federation, "alice", PASSWORD, next_url=authorize)

    assert response["Location"] == authorize
    assert list(federation.get("/account/").context["messages"]) == []


def test_sign_in_refuses_an_off_site_next(federation, member):
    response = sign_in(federation, "alice", PASSWORD, next_url="https://evil.example/")

    assert response["Location"] == "/account/"


def test_sign_in_is_throttled_after_repeated_failures(federation, member, settings):
    settings.SIGN_IN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert sign_in(federation, "alice", "wrong").status_code == 200

    refused = sign_in(federation, "ALICE", PASSWORD)

    assert refused.status_code == 200
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in federation.session


def test_failures_spread_over_a_members_aliases_lock_every_alias(federation, member, settings, django_user_model):
    settings.SIGN_IN_FAILURE_LIMIT = 5
    django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)
    for alias in ("alice", "ALICE", "alice@example.org", "Alice@Example.ORG", " alice "):
        assert "Too many failed sign-ins" not in sign_in(federation, alias, "wrong").content.decode()

    for alias in ("alice", "Alice", "alice@example.org", "ALICE@EXAMPLE.ORG"):
        assert "Too many failed sign-ins" in sign_in(federation, alias, PASSWORD).content.decode(), alias
    assert "_auth_user_id" not in federation.session
    assert sign_in(federation, "bob", PASSWORD).status_code == 302, "another member is not locked"


def test_an_unknown_login_is_throttled_like_a_members_by_its_normalised_string(federation, member, settings):
    settings.SIGN_IN_FAILURE_LIMIT = 3
    for login in ("ghost", "GHOST", " Ghost "):
        sign_in(federation, login, "wrong")

    refused = sign_in(federation, "ghost", "wrong").content.decode()

    assert "Too many failed sign-ins" in refused
    assert sign_in(federation, "alice", PASSWORD).status_code == 302


def test_one_address_cannot_try_many_accounts(federation, settings, django_user_model):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 4
    django_user_model.objects.create_user("erin", "erin@example.org", PASSWORD)
    for name in ("a1", "a2", "a3", "a4"):
        sign_in(federation, name, "guess")

    refused = sign_in(federation, "erin", PASSWORD)

    assert "Too many failed sign-ins" in refused.content.decode()


def test_a_successful_sign_in_clears_the_failure_count(federation, member, settings):
    settings.SIGN_IN_FAILURE_LIMIT = 3
    sign_in(federation, "alice", "wrong")
    sign_in(federation, "alice", "wrong")
    assert sign_in(federation, "alice", PASSWORD).status_code == 302
    federation.post("/auth/logout")

    sign_in(federation, "alice", "wrong")
    sign_in(federation, "alice", "wrong")

    assert sign_in(federation, "alice", PASSWORD).status_code == 302


def test_password_reset_links_use_the_configured_federation_host(federation, member):
    response = federation.post(
        "/account/password/reset/", {"email": "alice@example.org"}, HTTP_HOST="federation.localhost:1234"
    )

    assert response.status_code == 302
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)
    assert link.startswith("http://federation.localhost/account/password/reset/")

    form = federation.get(link.removeprefix("http://federation.localhost"), follow=True)
    done = federation.post(
        form.redirect_chain[-1][0], {"new_password1": "a-new-pass-phrase", "new_password2": "a-new-pass-phrase"}
    )
    assert done["Location"] == "/account/password/reset/complete/"
    member.refresh_from_db()
    assert member.check_password("a-new-pass-phrase")


def test_a_forged_host_gets_400_not_a_reset_email(site_client, member):
    response = site_client("federation").post(
        "/account/password/reset/", {"email": "alice@example.org"}, HTTP_HOST="evil.example"
    )

    assert response.status_code == 400
    assert not mail.outbox


def test_changing_the_password_signs_other_sites_out(site_client, member):
    federation, blog = site_client("federation"), site_client("blog")
    sign_in(federation, "alice", PASSWORD)
    blog.force_login(member)

    response = federation.post(
        "/account/password/change/",
        {"old_password": PASSWORD, "new_password1": "a-new-pass-phrase", "new_password2": "a-new-pass-phrase"},
    )

    assert response.status_code == 302
    assert "alice" in federation.get("/account/").content.decode()
    assert ">alice<" not in blog.get("/").content.decode()


def test_the_member_pages_need_a_signed_in_member(federation):
    response = federation.get("/account/password/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login?next=")


def test_a_signed_in_member_sent_to_the_sign_in_page_goes_on_without_a_loop(federation, member):
    sign_in(federation, "alice", PASSWORD)

    response = federation.get("/account/sign-in/?next=/account/sign-in/")

    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_password_reset_emails_one_address_at_most_once_in_a_while(federation, member):
    for _ in range(3):
        response = federation.post("/account/password/reset/", {"email": "ALICE@example.org"})
        assert response["Location"] == "/account/password/reset/sent/"

    assert len(mail.outbox) == 1
