"""Checkout offers a member the addresses kept in their account, and keeps a new one when asked."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages

from apps.account import services as account
from apps.cart import services as cart
from apps.cart.models import Order

from .conftest import ADDRESS, add

pytestmark = pytest.mark.django_db

HOME = {"name": "Alice Doe", "line1": "1 Orchard Lane", "postcode": "75001", "city": "Paris", "country": "FR"}
WORK = {**HOME, "line1": "20 Rue du Travail", "postcode": "69001", "city": "Lyon", "phone": "+33 4 00 00 00 00"}
NEW = {"name": "Alice Doe", "line1": "3 New Road", "postcode": "1000", "city": "Brussels", "country": "be"}


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def alice_cart(cart_client, member):
    cart_client.force_login(member)
    return cart_client


def test_a_members_addresses_become_deliveries_default_first(member, bob):
    account.remember_address(member, **HOME)  # the first is the default
    account.remember_address(member, **WORK)
    account.remember_address(bob, **{**HOME, "line1": "99 Bob Street"})

    saved = cart.saved_addresses_for(member)

    assert saved == [
        cart.Delivery(name="Alice Doe", line1="1 Orchard Lane", postcode="75001", city="Paris", country="FR"),
        cart.Delivery(
            name="Alice Doe",
            line1="20 Rue du Travail",
            postcode="69001",
            city="Lyon",
            country="FR",
            phone=WORK["phone"],
        ),
    ]
    assert [d.is_default for d in saved] == [True, False]
    assert "is_default" not in saved[0].as_order_fields()


def test_the_default_moves_first_when_it_changes(member):
    account.remember_address(member, **HOME)
    work = account.remember_address(member, **WORK)
    account.make_default_address(member, work.pk)
    assert [(d.city, d.is_default) for d in cart.saved_addresses_for(member)] == [("Lyon", True), ("Paris", False)]


def test_a_visitor_has_no_saved_addresses():
    assert cart.saved_addresses_for(AnonymousUser()) == []
    assert cart.saved_addresses_for(None) == []


def test_checkout_offers_the_members_addresses_with_the_default_preselected(alice_cart, member, bob, honey):
    account.remember_address(member, **HOME)
    account.remember_address(member, **WORK)
    account.remember_address(bob, **{**HOME, "line1": "99 Bob Street"})
    add(alice_cart, honey, 1)

    page = alice_cart.get("/checkout/")

    form = page.context["form"]
    assert [label for _value, label in form.fields["saved_address"].choices] == [
        "Alice Doe, 1 Orchard Lane, 75001 Paris, FR (default)",
        "Alice Doe, 20 Rue du Travail, 69001 Lyon, FR",
        "A new address (below)",
    ]
    assert form["saved_address"].value() == 0
    assert '<input type="radio" name="saved_address" value="0" id="id_saved_address_0" checked>' in page.text
    assert "99 Bob Street" not in page.text
    assert "Save this address to my account" in page.text


def test_the_preselected_default_is_what_the_order_ships_to(alice_cart, member, honey):
    account.remember_address(member, **HOME)
    account.remember_address(member, **WORK)
    add(alice_cart, honey, 1)
    page = alice_cart.get("/checkout/")
    posted = {name: value for name, value in page.context["form"].initial.items() if value is not None}

    placed = alice_cart.post("/checkout/", {**posted, "email": member.email})

    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.member_id, order.ship_line1, order.ship_city) == (member.pk, "1 Orchard Lane", "Paris")


def test_a_member_without_a_default_gets_a_new_address_preselected(alice_cart, member, honey):
    first = account.remember_address(member, **HOME)
    account.remember_address(member, **WORK)
    account.Address.objects.filter(pk=first.pk).update(is_default=False)  # staff unticked it in the admin
    add(alice_cart, honey, 1)

    form = alice_cart.get("/checkout/").context["form"]

    assert form["saved_address"].value() == ""
    assert "(default)" not in str(form.fields["saved_address"].choices)


def test_another_saved_address_can_be_chosen(alice_cart, member, honey):
    account.remember_address(member, **HOME)
    account.remember_address(member, **WORK)
    add(alice_cart, honey, 1)
    assert alice_cart.post("/checkout/", {"email": member.email, "saved_address": "1"}).status_code == 302
    assert Order.objects.get().ship_city == "Lyon"


def test_an_address_index_out_of_range_is_refused(alice_cart, member, bob, honey):
    """Indexes name the member's own list: there is no way to reach another member's address."""
    account.remember_address(member, **HOME)
    account.remember_address(bob, **WORK)
    add(alice_cart, honey, 1)
    answer = alice_cart.post("/checkout/", {"email": member.email, "saved_address": "1"})
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.text
    assert "Lyon" not in answer.text
    assert Order.objects.count() == 0


def test_a_saved_address_and_a_typed_one_together_are_questioned(alice_cart, member, honey):
    account.remember_address(member, **HOME)
    add(alice_cart, honey, 1)
    answer = alice_cart.post("/checkout/", {"email": member.email, "saved_address": "0", **NEW})
    assert answer.status_code == 200
    assert "You chose a saved address and also typed one" in answer.text
    assert 'value="3 New Road"' in answer.text  # nothing typed is lost
    assert Order.objects.count() == 0


def test_a_new_address_is_saved_to_the_account_when_asked(alice_cart, member, honey):
    account.remember_address(member, **HOME)
    add(alice_cart, honey, 1)

    placed = alice_cart.post("/checkout/", {"email": member.email, "saved_address": "", **NEW, "save_address": "on"})

    assert placed.status_code == 302
    assert Order.objects.get().ship_city == "Brussels"
    assert [(a.line1, a.country, a.is_default) for a in account.saved_addresses(member)] == [
        ("1 Orchard Lane", "FR", True),
        ("3 New Road", "BE", False),
    ]
    assert "The address is saved to your account for next time." in [
        m.message for m in get_messages(placed.wsgi_request)
    ]


def test_a_new_address_is_not_saved_unless_asked(alice_cart, member, honey):
    add(alice_cart, honey, 1)
    assert alice_cart.post("/checkout/", {"email": member.email, **NEW}).status_code == 302
    assert Order.objects.get().ship_city == "Brussels"
    assert account.saved_addresses(member) == []


def test_the_box_does_not_copy_a_saved_address(alice_cart, member, honey):
    account.remember_address(member, **HOME)
    add(alice_cart, honey, 1)
    alice_cart.post("/checkout/", {"email": member.email, "saved_address": "0", "save_address": "on"})
    assert Order.objects.get().ship_city == "Paris"
    assert len(account.saved_addresses(member)) == 1


def test_an_address_the_account_refuses_still_places_the_order(alice_cart, member, honey):
    """The account knows the country codes; the order is placed anyway and the member is told."""
    add(alice_cart, honey, 1)

    placed = alice_cart.post("/checkout/", {"email": member.email, **NEW, "country": "XX", "save_address": "on"})

    assert placed.status_code == 302
    assert Order.objects.get().ship_country == "XX"
    assert account.saved_addresses(member) == []
    said = [m.message for m in get_messages(placed.wsgi_request)]
    assert any(m.startswith("Your order is placed, but the address could not be saved to your account:") for m in said)
    assert "The address is saved to your account for next time." not in said


def test_a_visitor_is_offered_neither_saved_addresses_nor_saving(cart_client, honey, member):
    account.remember_address(member, **HOME)
    add(cart_client, honey, 1)

    page = cart_client.get("/checkout/")

    assert "saved_address" not in page.context["form"].fields
    assert "save_address" not in page.context["form"].fields
    assert "Save this address" not in page.text
    assert "1 Orchard Lane" not in page.text
    placed = cart_client.post(
        "/checkout/", {"email": "v@example.org", **ADDRESS.address_fields(), "save_address": "on", "saved_address": "0"}
    )
    assert placed.status_code == 302
    assert Order.objects.get().ship_line1 == ADDRESS.line1
    assert len(account.saved_addresses(member)) == 1


def test_nothing_to_ship_asks_no_address(alice_cart, member, tickets):
    account.remember_address(member, **HOME)
    alice_cart.force_login(member)
    cart.add_to_cart(cart.cart_of(member_id=member.pk, create=True), "test.ticket", "gig-1", 1)
    form = alice_cart.get("/checkout/").context["form"]
    assert set(form.fields) == {"email"}
    assert alice_cart.post("/checkout/", {"email": member.email, "save_address": "on"}).status_code == 302
    assert not Order.objects.get().ships
    assert len(account.saved_addresses(member)) == 1


def test_a_saved_address_with_the_longest_name_the_account_allows_ships(alice_cart, member, honey):
    long_name = "Alice " + "A" * 144  # 150 characters: the account's limit
    account.remember_address(member, **{**HOME, "name": long_name})
    add(alice_cart, honey, 1)
    assert alice_cart.post("/checkout/", {"email": member.email, "saved_address": "0"}).status_code == 302
    assert Order.objects.get().ship_name == long_name
