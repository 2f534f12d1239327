from django.urls import path
from django.views.generic import TemplateView

app_name = "cart"

urlpatterns = [
    path("", TemplateView.as_view(template_name="cart/home.html"), name="home"),
]
