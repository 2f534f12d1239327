"""
Reading a product from a shop's page: JSON-LD, then microdata, then OpenGraph, into ``ScrapedProduct``.

Not to be confused with ``apps.market.markup``, the JSON-LD our own pages emit. Shops built on Shopify,
WooCommerce and the like describe a product in schema.org terms (a ``Product`` with ``offers``, a
``ProductGroup`` whose ``hasVariant`` are products, an ``AggregateOffer`` with ``lowPrice`` when the
offers are not listed), often inside an ``@graph`` whose nodes point at each other by ``@id``.
extruct finds the markup; this module picks the product out of it and answers plain values, so the
services never see a schema.org dictionary. JSON-LD blocks are read one at a time: a shop's broken
block (a stray comma in a theme) costs that block only, not the page's other markup.
"""

import codecs
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import unescape
from urllib.parse import urljoin

from django.utils.html import strip_tags
from extruct.jsonld import JsonLdExtractor
from extruct.opengraph import OpenGraphExtractor
from extruct.utils import parse_html
from extruct.w3cmicrodata import MicrodataExtractor
from lxml.etree import ParserError

__all__ = ["MarkupMissing", "ScrapedProduct", "ScrapedVariant", "read_product"]

# schema.org availabilities a buyer cannot order now; every other value (or none) counts as available.
UNAVAILABLE = frozenset({"outofstock", "soldout", "discontinued"})
# OpenGraph's product:availability words for the same.
OG_UNAVAILABLE = frozenset({"oos", "out of stock", "outofstock", "discontinued", "sold out"})
MAX_IMAGES = 8
NAME_LENGTH = 160


class MarkupMissing(Exception):
    """The page describes no product we can import; ``reason`` says what was found instead."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ScrapedVariant:
    """One offer of the product: what the market makes a ``Variant`` of. ``price`` includes VAT."""

    key: str  # names it among the product's variants on the source page (its SKU, else its name)
    name: str
    sku: str
    price: Decimal
    currency: str
    available: bool


@dataclass(frozen=True)
class ScrapedProduct:
    """What a shop page says of its product, with the syntax it was read from and what was left out."""

    url: str
    name: str
    description: str
    brand: str
    seller: str
    category: str
    images: tuple[str, ...]
    variants: tuple[ScrapedVariant, ...]
    syntax: str  # "json-ld", "microdata" or "opengraph"
    notes: tuple[str, ...] = field(default=())

    @property
    def producer_name(self):
        """The business the product comes from: its brand, else the seller of its offers."""
        return self.brand or self.seller


def read_product(html: bytes, url: str, *, encoding: str = "utf-8") -> ScrapedProduct:
    """Return the product ``html`` (the page at ``url``) describes; raise ``MarkupMissing`` when none."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        tree = parse_html(html, encoding=encoding)
    except (ParserError, ValueError) as exc:
        raise MarkupMissing(f"the page cannot be read as HTML ({exc})") from None
    nodes, broken = _json_ld_nodes(tree)
    notes = [f"{broken} JSON-LD block(s) on the page could not be read and were skipped"] if broken else []
    found = _pick_product(nodes)
    if found is not None:
        return _from_schema(found, _index(nodes), url, "json-ld", notes)
    for item in _microdata_nodes(tree, url):
        if _is_type(item, "Product", "ProductGroup"):
            return _from_schema(item, {}, url, "microdata", notes)
    og = _opengraph(tree)
    if og:
        return _from_opengraph(og, url, notes)
    if broken:
        raise MarkupMissing("its JSON-LD is broken (not valid JSON) and it has no other product markup")
    raise MarkupMissing(
        "it has no product markup (no schema.org Product in JSON-LD or microdata, no OpenGraph product)"
    )


# --- JSON-LD and microdata --------------------------------------------------------------------


def _json_ld_nodes(tree):
    """Return every JSON-LD object on the page, ``@graph`` members included, and how many blocks were broken."""
    extractor = JsonLdExtractor()
    nodes, broken = [], 0
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            items = extractor.extract_items(script)
        except ValueError:
            broken += 1
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            graph = item.get("@graph")
            if isinstance(graph, list):
                nodes.extend(node for node in graph if isinstance(node, dict))
            else:
                nodes.append(item)
    return nodes, broken


def _microdata_nodes(tree, url):
    """Return the page's microdata items as JSON-LD-shaped dictionaries (``@type`` and properties)."""
    try:
        items = MicrodataExtractor().extract_items(tree, base_url=url)
    except (ValueError, TypeError, KeyError):
        return []
    return [_from_microdata(item) for item in items if isinstance(item, dict)]


def _from_microdata(item):
    if not isinstance(item, dict) or "properties" not in item:
        return item
    converted = {"@type": item.get("type", "")}
    for name, value in item["properties"].items():
        converted[name] = (
            [_from_microdata(each) for each in value] if isinstance(value, list) else _from_microdata(value)
        )
    return converted


def _index(nodes):
    """Map ``@id`` to node, so a reference ``{"@id": ...}`` in an ``@graph`` can be followed."""
    return {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}


def _resolve(value, index):
    if isinstance(value, dict) and set(value) == {"@id"}:
        return index.get(value["@id"], value)
    return value


def _types(node):
    kinds = node.get("@type", "") if isinstance(node, dict) else ""
    kinds = kinds if isinstance(kinds, list) else [kinds]
    # "Product", "schema:Product", "https://schema.org/Product" all name the same type.
    return {re.split(r"[/#:]", kind)[-1] for kind in kinds if isinstance(kind, str)}


def _is_type(node, *names):
    return bool(_types(node) & set(names))


def _pick_product(nodes):
    """Return the page's ProductGroup (its variants are Products too), else its first Product."""
    return next((node for node in nodes if _is_type(node, "ProductGroup")), None) or next(
        (node for node in nodes if _is_type(node, "Product")), None
    )


def _from_schema(node, index, url, syntax, notes):
    name = _text(node.get("name"))
    if not name:
        raise MarkupMissing(f"its {syntax} product has no name")
    offers = [_resolve(offer, index) for offer in _as_list(node.get("offers"))]
    seller = next((_name_of(_resolve(offer.get("seller"), index)) for offer in offers if isinstance(offer, dict)), "")
    images = _image_urls(node.get("image"), url)
    variants = []
    if _is_type(node, "ProductGroup"):
        for member in (_resolve(each, index) for each in _as_list(node.get("hasVariant"))):
            if not isinstance(member, dict):
                continue
            member_offers = [_resolve(offer, index) for offer in _as_list(member.get("offers"))]
            label = _variant_label(member, name, node.get("variesBy"))
            sku = _text(member.get("sku"))
            variants.extend(_variants_of(member_offers, label, sku, notes))
            seller = seller or next(
                (_name_of(_resolve(o.get("seller"), index)) for o in member_offers if isinstance(o, dict)), ""
            )
            images += tuple(image for image in _image_urls(member.get("image"), url) if image not in images)
        if not variants:
            raise MarkupMissing(f"its {syntax} ProductGroup lists no variant with a price")
    else:
        # A product sold in one form has one variant, named as such; several offers keep their names.
        single = "Standard" if len(offers) == 1 else ""
        variants = _variants_of(offers, single, _text(node.get("sku")), notes)
        if not variants:
            raise MarkupMissing(f"its {syntax} product “{name}” has no offer with a price")
    category = node.get("category")
    return ScrapedProduct(
        url=url,
        name=name[:NAME_LENGTH],
        description=_plain(node.get("description")),
        brand=_name_of(_resolve(node.get("brand"), index)),
        seller=seller,
        category=_name_of(category) if isinstance(category, dict) else _text(category),
        images=images[:MAX_IMAGES],
        variants=_unique_keys(variants),
        syntax=syntax,
        notes=tuple(notes),
    )


def _variants_of(offers, label, sku, notes):
    """One variant per priced offer; an AggregateOffer without its offers becomes one at its lowest price."""
    variants = []
    for number, offer in enumerate(offers, start=1):
        if not isinstance(offer, dict):
            continue
        if _is_type(offer, "AggregateOffer"):
            listed = [each for each in _as_list(offer.get("offers")) if isinstance(each, dict)]
            if listed:
                variants.extend(_variants_of(listed, label, sku, notes))
                continue
            price = _price(offer.get("lowPrice") if offer.get("lowPrice") is not None else offer.get("price"))
            if price is None:
                continue
            high = _price(offer.get("highPrice"))
            if high is not None and high != price:
                count = _text(offer.get("offerCount"))
                notes.append(
                    f"the shop lists {count + ' ' if count else ''}offers from {price} to {high} without "
                    f"naming them; one variant at the lowest price was made"
                )
            currency = _text(offer.get("priceCurrency"))
            variants.append(_variant(label, _text(offer.get("sku")) or sku, price, currency, offer, number))
            continue
        spec = offer.get("priceSpecification")
        spec = spec[0] if isinstance(spec, list) and spec else spec
        spec = spec if isinstance(spec, dict) else {}
        price = _price(offer.get("price") if offer.get("price") is not None else spec.get("price"))
        if price is None:
            continue
        currency = _text(offer.get("priceCurrency")) or _text(spec.get("priceCurrency"))
        offer_label = label or _text(offer.get("name"))
        variants.append(_variant(offer_label, _text(offer.get("sku")) or sku, price, currency, offer, number))
    return variants


def _variant(label, sku, price, currency, offer, number):
    availability = _text(offer.get("availability")).replace(" ", "")
    available = re.split(r"[/#:]", availability)[-1].lower() not in UNAVAILABLE
    name = (label or sku or f"Offer {number}")[:80]
    return ScrapedVariant(
        key=(sku or name)[:200], name=name, sku=sku[:64], price=price, currency=currency.upper(), available=available
    )


def _variant_label(member, group_name, varies_by):
    """Name a ProductGroup member by what tells it apart: its varying properties, else its name less the group's."""
    values = []
    for prop in _as_list(varies_by):
        key = re.split(r"[/#:]", prop)[-1] if isinstance(prop, str) else ""
        value = member.get(key) if key else None
        if value:
            values.append(_name_of(value) if isinstance(value, dict) else _text(value))
    if values:
        return " / ".join(values)
    name = _text(member.get("name"))
    if name.lower().startswith(group_name.lower()) and len(name) > len(group_name):
        return name[len(group_name) :].strip(" -,/|\N{EN DASH}\N{EM DASH}") or name
    return name


def _unique_keys(variants):
    seen, unique = {}, []
    for variant in variants:
        count = seen.get(variant.key, 0) + 1
        seen[variant.key] = count
        if count > 1:
            variant = ScrapedVariant(
                f"{variant.key}#{count}", variant.name, variant.sku, variant.price, variant.currency, variant.available
            )
        unique.append(variant)
    return tuple(unique)


# --- OpenGraph --------------------------------------------------------------------------------


def _opengraph(tree):
    """Return the page's OpenGraph properties when they describe a product, else None."""
    properties = {}
    for item in OpenGraphExtractor().extract_items(tree):
        for name, value in item["properties"]:
            properties.setdefault(name, []).append(value)
    kind = (properties.get("og:type") or [""])[0].lower()
    priced = "product:price:amount" in properties or "og:price:amount" in properties
    return properties if kind in ("product", "product.item", "og:product") or priced else None


def _from_opengraph(og, url, notes):
    def first(*names):
        return next((og[name][0].strip() for name in names if og.get(name) and og[name][0].strip()), "")

    name = first("og:title")
    if not name:
        raise MarkupMissing("its OpenGraph product has no og:title")
    price = _price(first("product:price:amount", "og:price:amount"))
    if price is None:
        raise MarkupMissing(f"its OpenGraph product “{name}” has no price (product:price:amount)")
    availability = first("product:availability", "og:availability").lower()
    sku = first("product:retailer_item_id")
    variant = ScrapedVariant(
        key=(sku or name)[:200],
        name="Standard",
        sku=sku[:64],
        price=price,
        currency=first("product:price:currency", "og:price:currency").upper(),
        available=availability not in OG_UNAVAILABLE,
    )
    images = tuple(dict.fromkeys(urljoin(url, image) for image in og.get("og:image", []) if image.strip()))
    return ScrapedProduct(
        url=url,
        name=name[:NAME_LENGTH],
        description=_plain(first("og:description")),
        brand=first("product:brand"),
        seller=first("og:site_name"),
        category=first("product:category"),
        images=images[:MAX_IMAGES],
        variants=(variant,),
        syntax="opengraph",
        notes=tuple(notes),
    )


# --- Values -----------------------------------------------------------------------------------


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value):
    """Return a plain string of a scalar (the first of a list); an object or nothing gives ``""``."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        return unescape(str(value)).strip()
    return ""


def _name_of(value):
    """The name of a Brand, Organization or Person given as an object, or as a plain string."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _plain(value):
    """Description text without the HTML some themes leave in it, paragraphs kept as blank lines."""
    text = _text(value)
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", unescape(strip_tags(text))).strip()


def _image_urls(value, url):
    """Absolute URLs of ``image`` given as a URL, an ImageObject, or a list of either."""
    found = []
    for each in _as_list(value):
        if isinstance(each, dict):
            each = each.get("contentUrl") or each.get("url") or ""
        if isinstance(each, str) and each.strip():
            absolute = urljoin(url, each.strip())
            if absolute.startswith(("http://", "https://")) and absolute not in found:
                found.append(absolute)
    return tuple(found)


def _price(value):
    """Return a price as a Decimal of at most two places, or None for a missing or unreadable one."""
    text = _text(value)
    if not text:
        return None
    text = re.sub(r"[^\d.,-]", "", text)
    # "12,50" as some European themes write it; else commas only group thousands.
    text = text.replace(",", ".") if "," in text and "." not in text else text.replace(",", "")
    try:
        price = Decimal(text)
    except InvalidOperation:
        return None
    if not price.is_finite() or price < 0:
        return None
    return price.quantize(Decimal("0.01"))
