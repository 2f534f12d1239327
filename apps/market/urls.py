from django.urls import include, path

from . import views

app_name = "market"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("producers/<slug:slug>/", views.producer_detail, name="producer"),
    path("api/", include("apps.market.api_urls")),
]
