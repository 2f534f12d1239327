from django.urls import include, path

from . import views, views_staff

app_name = "market"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("producers/<slug:slug>/", views.producer_detail, name="producer"),
    path("api/", include("apps.market.api.urls")),
    # The staff's desk.
    path("staff/import/", views_staff.import_product, name="staff-import"),
]
