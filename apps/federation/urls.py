from django.urls import path
from django.views.generic import TemplateView

app_name = "federation"

urlpatterns = [
    path("", TemplateView.as_view(template_name="federation/home.html"), name="home"),
]
