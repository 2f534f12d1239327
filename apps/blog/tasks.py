from celery import shared_task

from .services import publish_due_posts

__all__ = ["publish_due_posts_task"]


@shared_task(name="blog.publish_due_posts")
def publish_due_posts_task():
    """Publish the scheduled posts whose time has come (every minute, by beat); return how many."""
    return publish_due_posts()
