"""
The market actor tells its followers of the products on sale: a ``Note`` per product with its photo,
price and link, through federation's ``publish``.

A product is assembled over several writes (the product, then its variants and photos, in the
admin's inlines or an import), so it is federated once they are all committed: each write asks
for ``changes.product_changed``, which queues ``federate_product`` on commit. Queued twice, the second
sends nothing unless something followers see changed (federation sends no empty Update). A
product on sale goes out as a Create, an edit as an Update; hidden, or with nothing to sell, it is
withdrawn with a Delete, and shown again it is announced again.
"""

import mimetypes

from celery import shared_task
from django.utils.html import escape
from django.utils.text import Truncator

from apps.core.sites import get_site
from apps.federation import services as federation

from ..models import Product

__all__ = ["ProductNote", "federate_product"]

DESCRIPTION_WORDS = 60


class ProductNote:
    """A product as federation's ``Publishable``: what the market actor says of it."""

    def __init__(self, product):
        self.product = product

    def federation_site(self):
        return "market"

    def federation_source(self):
        return f"market.product:{self.product.pk}"

    def federation_object(self):
        product = self.product
        url = product.get_absolute_url()
        lines = [f"<p><strong>{escape(product.name)}</strong> from {escape(product.producer.name)}</p>"]
        if product.description:
            lines.append(f"<p>{escape(Truncator(product.description).words(DESCRIPTION_WORDS))}</p>")
        cheapest = product.cheapest_variant()
        if cheapest is not None:
            several = "from " if len(product.variants.all()) > 1 else ""
            lines.append(f"<p>{several}{cheapest.price_with_vat} {cheapest.currency}, VAT included</p>")
        lines.append(f'<p><a href="{escape(url)}">{escape(url)}</a></p>')
        fields = {"type": "Note", "content": "".join(lines), "url": url, "published": product.created_at}
        image = product.main_image()
        if image is not None:
            fields["attachment"] = [_attachment(image)]
        return fields


def _attachment(image):
    picture_url = image.image.url
    if picture_url.startswith("/"):  # media on our own host: peers need the whole URL
        picture_url = get_site("market").origin + picture_url
    media_type = mimetypes.guess_type(image.image.name)[0] or "image/jpeg"
    return {"type": "Image", "mediaType": media_type, "url": picture_url, "name": image.alt or image.product.name}


@shared_task(name="market.federate_product")
def federate_product(product_id):
    """Announce, update or withdraw a product as it now is; a product gone meanwhile is withdrawn."""
    product = (
        Product.objects.select_related("producer").prefetch_related("variants", "images").filter(pk=product_id).first()
    )
    note = ProductNote(product or Product(pk=product_id))
    if product is None:  # deleted: its Note's source is all a withdrawal needs
        federation.delete(note)
        return None
    if product.active and product.variants.all():
        return federation.publish(note).pk
    federation.delete(note)
    return None
