from django.urls import path
from django.views.generic import TemplateView

app_name = "account"

urlpatterns = [
    path("", TemplateView.as_view(template_name="account/home.html"), name="home"),
]
