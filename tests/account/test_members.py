import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

User = get_user_model()


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.org", "Alice@Example.org"])
def test_members_sign_in_with_username_or_email_in_any_case(member, login):
    assert authenticate(username=login, password="a-long-pass-phrase") == member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("login", "password"),
    [("alice", "wrong"), ("nobody", "a-long-pass-phrase"), ("nobody@example.org", "x"), ("", "x")],
)
def test_wrong_credentials_sign_nobody_in(member, login, password):
    assert authenticate(username=login, password=password) is None


@pytest.mark.django_db
def test_an_inactive_member_cannot_sign_in(member):
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert authenticate(username="alice", password="a-long-pass-phrase") is None


@pytest.mark.django_db
def test_usernames_are_unique_regardless_of_case(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("Alice", "other@example.org", "x")


@pytest.mark.django_db
def test_emails_are_unique_regardless_of_case(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("alice2", "ALICE@example.org", "x")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["blog", "Federation", "admin", "has space", "dash-ed", "x" * 31, "émile"])
def test_usernames_that_cannot_be_handles_are_refused(username):
    candidate = User(username=username, email="new@example.org")
    candidate.set_password("a-long-pass-phrase")

    with pytest.raises(ValidationError) as raised:
        candidate.full_clean()
    assert "username" in raised.value.message_dict


@pytest.mark.django_db
def test_a_handle_shaped_username_is_accepted():
    candidate = User(username="river_song42", email="River@Example.org")
    candidate.set_password("a-long-pass-phrase")

    candidate.full_clean()

    assert candidate.email == "river@example.org"
