from celery import shared_task

from apps.core.errors import RoseAshError

from . import ghost
from .services import publish_due_posts

__all__ = ["publish_due_posts_task", "sync_ghost_post_task", "sync_ghost_task"]


@shared_task(name="blog.publish_due_posts")
def publish_due_posts_task():
    """Publish the scheduled posts whose time has come (every minute, by beat); return how many."""
    return publish_due_posts()


@shared_task(name="blog.sync_ghost")
def sync_ghost_task():
    """
    Import what changed in Ghost since the last run (every ten minutes, by beat); return the counts.
    A deployment without ``GHOST_URL`` syncs nothing, rather than failing every run; nor does a run
    that finds another still going.
    """
    if not ghost.is_wanted():
        return None
    try:
        return ghost.sync().as_dict()
    except RoseAshError as exc:
        if exc.code == "ghost_sync_running":  # an operator's run (or a slow one of ours) does the work
            return None
        raise


@shared_task(name="blog.sync_ghost_post", bind=True, max_retries=3, default_retry_delay=60)
def sync_ghost_post_task(self, resource, ghost_id):
    """
    Re-read the one post a Ghost webhook named. Retried while Ghost cannot be reached (it may be
    restarting); a refused key or a garbled answer is not retried: an operator must act.
    """
    try:
        return ghost.sync_one(resource, ghost_id)
    except RoseAshError as exc:
        if exc.code in ghost.PASSING_ERRORS:
            raise self.retry(exc=exc) from exc
        raise
