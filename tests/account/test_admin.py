import pytest


@pytest.mark.django_db
def test_staff_search_and_filter_members(site_client, steward, member, django_user_model):
    django_user_model.objects.create_user("bob", "bob@example.org", "x", is_active=False)
    client = site_client("account")
    client.force_login(steward)

    found = client.get("/admin/account/user/", {"q": "alice@example"})
    inactive = client.get("/admin/account/user/", {"is_active__exact": "0"})

    assert found.status_code == inactive.status_code == 200
    assert list(found.context["cl"].result_list) == [member]
    assert [user.username for user in inactive.context["cl"].result_list] == ["bob"]
    assert b"Date joined" in found.content  # a list column beyond the name


@pytest.mark.django_db
def test_the_member_list_holds_a_constant_number_of_queries(
    site_client, steward, django_user_model, django_assert_max_num_queries
):
    client = site_client("account")
    client.force_login(steward)
    client.get("/admin/account/user/")  # warm up: session, content types

    with django_assert_max_num_queries(12) as few:
        client.get("/admin/account/user/")
    for index in range(30):
        django_user_model.objects.create_user(f"member{index}", f"m{index}@example.org", "x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/account/user/")
