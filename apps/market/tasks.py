"""The market's Celery tasks: each lives beside the work it wraps; importing them here registers them."""

from .announcing import federate_product

__all__ = ["federate_product"]
