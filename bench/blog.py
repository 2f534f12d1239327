"""
Benchmark the blog for an anonymous visitor against ``/healthz``, served the same way in one run.

    .venv/bin/python bench/blog.py [--posts 1000] [--duration 10] [--rounds 3] [--workers 2]

Serves the project with gunicorn as ``run.py`` does (DEBUG off, loopback), with ``--posts``
published posts (three tags and an author each, a body of a few paragraphs) written straight into
the database beforehand, and loads the blog home, one post page and the RSS feed with wrk, each
round interleaving the cases. Prints requests/s and the ratio to ``/healthz``; the aim is 0.3.
DATABASE_URL / REDIS_URL are used when set (a database of its own: it is migrated and filled).
"""

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import bench_pages

FILL = textwrap.dedent(
    """
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from datetime import timedelta
    from apps.blog.models import Post, Tag

    count = {count}
    Post.objects.all().delete()
    author, _ = get_user_model().objects.get_or_create(username="benchwriter", defaults={{"email": "w@example.org"}})
    tags = [Tag.objects.get_or_create(slug=f"tag-{{n}}", defaults={{"name": f"Tag {{n}}"}})[0] for n in range(10)]
    body = "".join(f"<p>Paragraph {{n}} of a post about the cooperative's orchard and kitchen.</p>" for n in range(6))
    now = timezone.now()
    posts = Post.objects.bulk_create(
        Post(title=f"Post number {{n}}", slug=f"post-{{n}}", excerpt="A short summary.", body=body,
             status="published", published_at=now - timedelta(minutes=n), featured=n < 3)
        for n in range(count)
    )
    Post.tags.through.objects.bulk_create(
        Post.tags.through(post_id=post.pk, tag_id=tags[(post.pk + k) % 10].pk) for post in posts for k in range(3)
    )
    Post.authors.through.objects.bulk_create(Post.authors.through(post_id=post.pk, user_id=author.pk) for post in posts)
    print(Post.objects.count())
    """
)


def cases(posts):
    return [
        ("blog home", "blog", "/", None),
        ("a post page", "blog", f"/posts/post-{posts // 2}/", None),
        ("RSS feed", "blog", "/feed/rss/", None),
    ]


if __name__ == "__main__":
    bench_pages(__doc__, rows="posts", default_rows=1000, fill=FILL, cases=cases)
