import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command


@pytest.fixture
def development(settings):
    """Demo data is for development servers (the test runner turns DEBUG off)."""
    settings.DEBUG = True


@pytest.mark.django_db
@pytest.mark.usefixtures("development")
def test_seeding_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = sorted(get_user_model().objects.values_list("username", "password"))
    call_command("seed_demo")

    assert sorted(get_user_model().objects.values_list("username", "password")) == first
    assert {"steward", "alice", "bob", "carol"} <= {username for username, _ in first}
    assert Site.objects.filter(domain="federation.localhost").exists()
    out, err = capsys.readouterr()
    assert "Demo data ready" in out
    assert "Staff sign-in for /admin/: steward" in out
    assert "100%" in err  # the progress bar


@pytest.mark.django_db
@pytest.mark.usefixtures("development")
def test_the_demo_steward_can_use_the_admin(site_client):
    call_command("seed_demo")
    client = site_client("market")

    assert client.login(username="steward", password="rose-ash-demo")
    assert client.get("/admin/account/user/").status_code == 200


@pytest.mark.django_db
def test_seeding_is_refused_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="Refusing to seed demo data with DEBUG off"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
