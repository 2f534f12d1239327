"""Fixtures shared by the dashboard and newsletter tests."""

from apps.account.models import Newsletter

ADDRESS = {
    "name": "Alice Ash",
    "line1": "1 Rose Lane",
    "line2": "",
    "postcode": "AB1 2CD",
    "city": "Ashford",
    "country": "gb",
    "phone": "+44 1234 567890",
}


def newsletter(slug="news", name="Rose Ash News", **fields):
    return Newsletter.objects.create(slug=slug, name=name, **fields)
