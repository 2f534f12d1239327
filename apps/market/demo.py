"""
Demo catalogue for ``manage.py seed_demo``: four producers, their products, variants and photos.

Photos are drawn with Pillow when seeding (a coloured tile with the product's initials), so the
repository holds no binaries. Each record is created only when its slug or SKU is missing, so
seeding twice changes nothing and never overwrites what staff edited.
"""

from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from apps.core.demo import SeedStep, register

from . import services
from .models import Category, Producer, Product, Variant

# slug -> (name, parent slug)
CATEGORIES = {
    "pantry": ("Pantry", None),
    "honey-preserves": ("Honey and preserves", "pantry"),
    "flour-grains": ("Flour and grains", "pantry"),
    "dairy": ("Dairy", None),
    "cheese": ("Cheese", "dairy"),
    "bakery": ("Bakery", None),
    "crafts": ("Crafts", None),
}

# Each product: (slug, name, category, featured, colour, description, [(variant, sku, net price, VAT %, stock)])
PRODUCERS = [
    {
        "slug": "hillside-apiary",
        "name": "Hillside Apiary",
        "location": "Ashcombe",
        "contact_email": "bees@hillside.example",
        "story": "Forty hives on the chalk downs above Ashcombe, moved with the heather each August.\n\n"
        "We extract by hand and never heat the honey.",
        "products": [
            (
                "wildflower-honey",
                "Wildflower honey",
                "honey-preserves",
                True,
                "#e0a526",
                "Runny spring honey from hawthorn, clover and bramble.",
                [("227 g jar", "HA-WF-227", "5.50", "5.50", 40), ("454 g jar", "HA-WF-454", "9.50", "5.50", 12)],
            ),
            (
                "heather-honey",
                "Heather honey",
                "honey-preserves",
                False,
                "#8c4a1c",
                "Thick, aromatic, set in the comb's own wax.",
                [("340 g jar", "HA-HE-340", "11.00", "5.50", 0)],
            ),
            (
                "beeswax-candles",
                "Beeswax candles",
                "crafts",
                False,
                "#f2d16b",
                "Hand-dipped pair, about eight hours each.",
                [("Pair", "HA-CA-2", "12.00", "20", None)],
            ),
        ],
    },
    {
        "slug": "millbrook-dairy",
        "name": "Millbrook Dairy",
        "location": "Millbrook",
        "contact_email": "hello@millbrook.example",
        "story": "A herd of thirty Jerseys grazing water meadows. We make cheese twice a week from the morning milk.",
        "products": [
            (
                "millbrook-tomme",
                "Millbrook tomme",
                "cheese",
                True,
                "#f5e3a3",
                "A washed-rind cheese aged eight weeks in our cellar.",
                [("250 g", "MD-TO-250", "6.20", "5.50", 25), ("500 g", "MD-TO-500", "11.80", "5.50", 8)],
            ),
            (
                "jersey-butter",
                "Cultured Jersey butter",
                "dairy",
                False,
                "#f7d774",
                "Slow-churned, lightly salted.",
                [("250 g", "MD-BU-250", "4.10", "5.50", 30)],
            ),
        ],
    },
    {
        "slug": "old-oven-bakery",
        "name": "Old Oven Bakery",
        "location": "Rose Ash",
        "contact_email": "bread@oldoven.example",
        "story": "A wood-fired oven in the village square, lit at four every morning.\n\n"
        "Sourdough only, from our neighbours' flour.",
        "products": [
            (
                "country-sourdough",
                "Country sourdough",
                "bakery",
                True,
                "#b9804a",
                "Long-fermented white and wholemeal loaf.",
                [
                    ("Small, 500 g", "OB-SD-500", "3.80", "5.50", None),
                    ("Large, 1 kg", "OB-SD-1000", "6.50", "5.50", None),
                ],
            ),
            (
                "stoneground-flour",
                "Stoneground wholemeal flour",
                "flour-grains",
                False,
                "#c9b28a",
                "Milled on our millstone from heritage wheat.",
                [("1.5 kg", "OB-FL-1500", "3.20", "5.50", 50), ("5 kg", "OB-FL-5000", "9.00", "5.50", 4)],
            ),
        ],
    },
    {
        "slug": "rowan-weavers",
        "name": "Rowan Weavers",
        "location": "Knowstone",
        "contact_email": "loom@rowan.example",
        "story": "Two looms and a flock of Wensleydale sheep. Every throw is spun, dyed and woven here.",
        "products": [
            (
                "wool-throw",
                "Wool throw",
                "crafts",
                True,
                "#6a7f5a",
                "Plant-dyed throw, 130 x 180 cm.",
                [("Moss green", "RW-TH-GRN", "95.00", "20", 3), ("Madder red", "RW-TH-RED", "95.00", "20", 0)],
            ),
            (
                "knitting-yarn",
                "Aran knitting yarn",
                "crafts",
                False,
                "#a3435b",
                "100 g skein of lustrous longwool.",
                [("100 g skein", "RW-YA-100", "8.50", "20", 60)],
            ),
        ],
    },
]


def drawn_picture(text, colour):
    """Return a 480x480 PNG of ``text`` on ``colour``: a stand-in photo made at seed time."""
    image = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.text((240, 240), text, fill="white", anchor="mm", font_size=120)
    out = BytesIO()
    image.save(out, "PNG")
    return ContentFile(out.getvalue(), name="demo.png")


def initials(name):
    return "".join(word[0] for word in name.split()[:2]).upper()


@register
class Catalogue(SeedStep):
    label = "market catalogue"
    order = 40

    def items(self):
        return ["categories", *PRODUCERS]

    def apply(self, item):
        if item == "categories":
            for slug, (name, parent) in CATEGORIES.items():  # parents are listed before their children
                if not Category.objects.filter(slug=slug).exists():
                    services.create_category(name=name, slug=slug, parent=Category.objects.filter(slug=parent).first())
            return
        producer = Producer.objects.filter(slug=item["slug"]).first() or services.create_producer(
            name=item["name"],
            slug=item["slug"],
            story=item["story"],
            location=item["location"],
            contact_email=item["contact_email"],
        )
        for slug, name, category, featured, colour, description, variants in item["products"]:
            product = Product.objects.filter(slug=slug).first() or services.create_product(
                producer=producer,
                category=Category.objects.get(slug=category),
                name=name,
                slug=slug,
                description=description,
                featured=featured,
            )
            for position, (label, sku, price, vat_rate, stock) in enumerate(variants):
                if not Variant.objects.filter(sku=sku).exists():
                    services.add_variant(
                        product, name=label, sku=sku, price=price, vat_rate=vat_rate, stock=stock, position=position
                    )
            if not product.images.exists():
                services.add_product_image(product, drawn_picture(initials(name), colour), alt=name)

    def notes(self):
        return ["Market: browse the demo producers' products at the market site's /products/."]
