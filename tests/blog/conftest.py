import pytest

from apps.blog import services


@pytest.fixture
def published_post(member):
    """A live post by ``member``, tagged "Harvest"."""
    post = services.create_post(
        title="Apple harvest",
        excerpt="Forty crates.",
        body="<p>We picked forty crates.</p>",
        tags=["Harvest"],
        author_ids=[member.pk],
    )
    return services.publish_post(post.pk)
