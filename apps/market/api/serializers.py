"""The API's shapes of producers and products: prices with VAT beside net, stock as a state, absolute URLs."""

from rest_framework import serializers

from ..models import Category, Producer, Product, ProductImage, Variant


class ProducerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Producer
        fields = ["slug", "name"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class VariantSerializer(serializers.ModelSerializer):
    price_with_vat = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    stock_state = serializers.CharField(read_only=True, help_text="in_stock, out_of_stock or not_tracked")

    class Meta:
        model = Variant
        fields = ["sku", "name", "price", "vat_rate", "price_with_vat", "currency", "stock", "stock_state"]


class ProductImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductImage
        fields = ["image", "thumbnail", "alt"]


class ProductSerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="get_absolute_url", read_only=True, help_text="Its page on the market site.")
    producer = ProducerSummarySerializer(read_only=True)
    category = CategorySerializer(read_only=True)
    variants = VariantSerializer(many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["slug", "name", "description", "url", "producer", "category", "featured"]
        fields += ["variants", "images", "created_at", "updated_at"]


class ProducerSerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="get_absolute_url", read_only=True, help_text="Its page on the market site.")

    class Meta:
        model = Producer
        fields = ["slug", "name", "story", "location", "website", "logo", "url"]
