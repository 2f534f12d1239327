from django.template.loader import render_to_string

from apps.core.pages.fragments import fragment
from apps.core.sites import site_url

from .newsletters.subscriptions import public_newsletters


@fragment("account.member_badge", vary=("user",), ttl=60)
def member_badge(context):
    """Who is signed in, for the header of every site."""
    return render_to_string("account/member_badge.html", {"member": context.user})


@fragment("account.newsletter_signup", vary=(), ttl=300)
def newsletter_signup(context):
    """
    A newsletter signup for other sites' footers: the same for everyone, so cached once for all.

    It asks for the address and sends it (GET) to /newsletters/ on the account site, which asks
    to confirm: a form posting across sites would need the account site's CSRF token, which a
    page on another host does not have.
    """
    newsletters = list(public_newsletters())
    return render_to_string(
        "account/newsletter_signup.html",
        {"newsletters": newsletters, "action": site_url("account", "account:newsletters")},
    )
