"""The market's Celery tasks; ``federate_product`` lives beside its work, registered by its import here."""

from celery import shared_task

from apps.core.errors import RoseAshError

from .announcing.fediverse import federate_product
from .services import products_due_for_rescrape, rescrape_product

__all__ = ["federate_product", "rescrape_imported_products_task", "rescrape_product_task"]


@shared_task(name="market.rescrape_imported_products")
def rescrape_imported_products_task():
    """
    Send each imported product due for a re-read to its own task (hourly, by beat); return how many.
    One task per product: a slow shop holds one worker for one page, and the per-host delay in the
    shared cache keeps the workers polite together.
    """
    due = products_due_for_rescrape()
    for product_id in due:
        rescrape_product_task.delay(product_id)
    return len(due)


@shared_task(name="market.rescrape_product")
def rescrape_product_task(product_id):
    """
    Re-read one imported product's page; return the outcome (unchanged, updated, vanished, failed).
    A shop that fails is not retried here: the failure is noted on the product and the next beat
    run asks again. A product deleted (or no longer imported) since it was sent is ``unknown``.
    """
    try:
        return rescrape_product(product_id).outcome
    except RoseAshError as exc:
        if exc.status == 404:
            return "unknown"
        raise
