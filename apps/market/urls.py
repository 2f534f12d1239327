from django.urls import path
from django.views.generic import TemplateView

app_name = "market"

urlpatterns = [
    path("", TemplateView.as_view(template_name="market/home.html"), name="home"),
]
