from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("", views.home, name="home"),
    path("add/", views.add, name="add"),
    path("add/<str:token>/", views.add_item, name="add_item"),
    path("lines/<int:line_id>/", views.change, name="change"),
    path("lines/<int:line_id>/remove/", views.remove, name="remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path("payments/<str:reference>/return/", views.payment_return, name="payment_return"),
    path("payments/<str:reference>/test/", views.test_payment, name="test_payment"),
    path("payments/sumup/webhook/", views.sumup_webhook, name="sumup_webhook"),
    path("sales/", views.sales, name="sales"),
]
