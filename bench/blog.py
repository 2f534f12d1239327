"""
Benchmark the blog for an anonymous visitor against ``/healthz``, served the same way in one run.

    .venv/bin/python bench/blog.py [--posts 1000] [--duration 10] [--rounds 3] [--workers 2]

Serves the project with gunicorn as ``run.py`` does (DEBUG off, loopback), with ``--posts``
published posts (three tags and an author each, a body of a few paragraphs) written straight into
the database beforehand, and loads the blog home, one post page and the RSS feed with wrk, each
round interleaving the cases. Prints requests/s and the ratio to ``/healthz``; the aim is 0.3.
DATABASE_URL / REDIS_URL are used when set (a database of its own: it is migrated and filled).
"""

import argparse
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import check_answer, environment, free_port, gunicorn, manage, median_rates

FILL = textwrap.dedent(
    """
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from datetime import timedelta
    from apps.blog.models import Post, Tag

    count = {posts}
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per case and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="passes over all cases; the median is reported")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    var_dir = Path(tempfile.mkdtemp(prefix="roseash-bench-blog-"))
    port = free_port()
    env = environment(var_dir, port)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "shell", "-c", FILL.format(posts=options.posts))
    cases = [
        ("baseline: /healthz (JsonResponse)", "blog", "/healthz", None),
        ("blog home", "blog", "/", None),
        ("a post page", "blog", f"/posts/post-{options.posts // 2}/", None),
        ("RSS feed", "blog", "/feed/rss/", None),
    ]
    try:
        with gunicorn(env, port, options.workers):
            for _label, host, path, accept in cases:
                status, _content_type = check_answer(port, host, path, accept)
                assert status == 200, (path, status)
            rates = median_rates(port, cases, options)
            print(f"gunicorn {options.workers} sync workers, wrk -t2 -c{options.connections} -d{options.duration}s")
            print(f"{options.posts} published posts; database {'PostgreSQL' if env.get('DATABASE_URL') else 'SQLite'}")
            print(f"{'case':<40} {'req/s':>9} {'ratio':>6}  (median of {options.rounds} rounds)")
            baseline = rates[cases[0][0]]
            for label, *_where in cases:
                print(f"{label:<40} {rates[label]:>9.0f} {rates[label] / baseline:>6.2f}", flush=True)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
