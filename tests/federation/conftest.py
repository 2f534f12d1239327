import pytest

from apps.federation.inbound import processing
from apps.federation.models import APActivity
from apps.federation.signing.keys import generate_keypair

from .hubdata import follow_row
from .peers import compact_doc, serve
from .remote import RemoteActor

SHARED_INBOX = "http://federation.localhost/inbox"


@pytest.fixture(autouse=True)
def _no_kick_left():
    """A kick left by a test with a real broker must not swallow the next test's eager one."""
    processing.consume_kick()


@pytest.fixture
def private_allowed(settings):
    """Let the outbound client reach the loopback servers tests run."""
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True


@pytest.fixture
def in_process_tasks(request):
    """Tasks run in this process, unless the test is marked ``celery_worker`` (it starts a real one)."""
    if request.node.get_closest_marker("celery_worker") is None:
        request.getfixturevalue("eager_tasks")


@pytest.fixture
def hub_client(site_client, member):
    """The federation site's test client, signed in as ``member``."""
    return site_client("federation", signed_in=member)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def shop(private_allowed, settings, httpserver):
    """A Rose Ash peer named ``shop`` on a local server; return its actor URL."""
    settings.ROSEASH_FEDERATION_PEERS = {"shop": httpserver.url_for("/")}
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url))
    return url


@pytest.fixture
def ana(private_allowed, httpserver):
    """A remote actor on a local peer server, whose inbox takes what we send it (202)."""
    actor = RemoteActor(httpserver).serve()
    httpserver.expect_request("/inbox", method="POST").respond_with_data("", status=202)
    return actor


@pytest.fixture
def send(ana, site_client, django_capture_on_commit_callbacks):
    """
    Return ``send(activity, actor=ana)``: POST the activity signed to our shared inbox, have it
    processed (tasks must run in process, ``eager_tasks``), and return its ``APActivity`` row.
    """
    client = site_client("federation")

    def post(activity, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (actor or ana).post(client, SHARED_INBOX, activity)
        assert response.status_code == 202, response.content
        return APActivity.objects.get(activity_id=activity["id"])

    return post


@pytest.fixture
def followed(ana, member):
    """The member follows ``ana`` (accepted), so that her notes concern someone here and are kept."""
    return follow_row(member, ana.id)


@pytest.fixture
def blog(site_client):
    """The test client on the blog's host."""
    return site_client("blog")


@pytest.fixture(scope="session")
def keys():
    """A signer's RSA key pair, ``(private_pem, public_pem)``: generating one takes a while."""
    return generate_keypair()


@pytest.fixture(scope="session")
def other_keys():
    """A second key pair, for signatures made with the wrong key."""
    return generate_keypair()
