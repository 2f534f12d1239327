import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.account import services
from apps.account.models import Address
from apps.core.errors import RoseAshError

from .dashboard import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def account(site_client, member):
    return site_client("account", signed_in=member)


def test_the_first_address_is_the_default_and_the_default_comes_first(member):
    first = services.remember_address(member, **ADDRESS)
    second = services.remember_address(member, **{**ADDRESS, "line1": "2 Ash Road"})

    assert first.is_default
    assert not second.is_default
    assert first.country == "GB"
    assert services.saved_addresses(member) == [first, second]
    third = services.remember_address(member, **{**ADDRESS, "line1": "3 Elm Street"}, is_default=True)
    assert services.saved_addresses(member)[0] == third
    assert Address.objects.filter(member=member, is_default=True).count() == 1


def test_remembering_the_same_address_twice_keeps_one(member):
    one = services.remember_address(member, **ADDRESS)
    again = services.remember_address(member, **{**ADDRESS, "country": "GB", "city": " Ashford "})
    assert one == again
    assert Address.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("country", "XX", "two-letter ISO 3166"), ("country", "GBR", "two-letter"), ("postcode", "", "blank")],
)
def test_an_invalid_address_is_refused_and_nothing_is_saved(member, field, value, message):
    with pytest.raises(RoseAshError) as refused:
        services.remember_address(member, **{**ADDRESS, field: value})
    assert refused.value.code == "address_invalid"
    assert message in refused.value.message
    assert not Address.objects.exists()


def test_deleting_the_default_passes_the_role_to_the_newest(member):
    first = services.remember_address(member, **ADDRESS)
    services.remember_address(member, **{**ADDRESS, "line1": "2 Ash Road"})
    newest = services.remember_address(member, **{**ADDRESS, "line1": "3 Elm Street"})
    services.delete_address(member, first.pk)
    assert services.default_address(member) == newest


def test_another_members_address_is_not_found_by_id(member, bob):
    theirs = services.remember_address(bob, **ADDRESS)
    for call in (services.get_address, services.delete_address, services.make_default_address):
        with pytest.raises(RoseAshError) as refused:
            call(member, theirs.pk)
        assert refused.value.status == 404
    with pytest.raises(RoseAshError):
        services.update_address(member, theirs.pk, **{**ADDRESS, "city": "Stolen"})
    theirs.refresh_from_db()
    assert theirs.city == "Ashford"


def test_the_address_pages_add_edit_make_default_and_delete(account, member):
    answer = account.post("/addresses/add/", {**ADDRESS, "country": "fr"}, follow=True)
    assert answer.status_code == 200
    assert b"Address saved." in answer.content
    address = Address.objects.get(member=member)
    assert address.country == "FR"
    assert address.is_default

    account.post("/addresses/add/", {**ADDRESS, "line1": "9 Oak Row"})
    other = Address.objects.get(line1="9 Oak Row")
    assert account.post(f"/addresses/{other.pk}/default/").status_code == 302
    assert services.default_address(member) == other

    answer = account.post(f"/addresses/{address.pk}/edit/", {**ADDRESS, "city": "Lyon", "country": "FR"})
    assert answer.status_code == 302
    address.refresh_from_db()
    assert address.city == "Lyon"

    assert account.post(f"/addresses/{address.pk}/delete/").status_code == 302
    assert not Address.objects.filter(pk=address.pk).exists()


def test_a_bad_country_shows_the_form_again_with_the_reason(account):
    answer = account.post("/addresses/add/", {**ADDRESS, "country": "ZZ"})
    assert answer.status_code == 400
    assert b"two-letter ISO 3166 code" in answer.content
    assert not Address.objects.exists()


def test_another_members_address_pages_are_404(account, bob):
    theirs = services.remember_address(bob, **ADDRESS)
    assert account.get(f"/addresses/{theirs.pk}/edit/").status_code == 404
    assert account.post(f"/addresses/{theirs.pk}/edit/", {**ADDRESS, "city": "X"}).status_code == 404
    assert account.post(f"/addresses/{theirs.pk}/delete/").status_code == 404
    assert account.post(f"/addresses/{theirs.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk, city="Ashford").exists()


def test_the_address_pages_need_a_member(site_client):
    answer = site_client("account").get("/addresses/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/login")


def test_the_address_list_costs_the_same_queries_for_one_or_many(account, member):
    services.remember_address(member, **ADDRESS)
    account.get("/addresses/")  # warm the header's cached fragments
    with CaptureQueriesContext(connection) as one:
        account.get("/addresses/")
    for n in range(10):
        services.remember_address(member, **{**ADDRESS, "line1": f"{n} Many Street"})
    with CaptureQueriesContext(connection) as many:
        assert account.get("/addresses/").status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
