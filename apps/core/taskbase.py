"""The base class of every Rose Ash task (set as Celery's ``task_cls``)."""

from celery import Task


class RoseAshTask(Task):
    """
    Retry defaults for tasks that name the errors worth retrying (``autoretry_for``).

    Delays grow exponentially with jitter, so a peer that is down is not hammered by every worker
    at the same moment; after ``max_retries`` the task fails and its outbox row stays for the sweep.
    """

    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5
