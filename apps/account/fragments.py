from django.template.loader import render_to_string

from apps.core.fragments import fragment


@fragment("account.member_badge", vary=("user",), ttl=60)
def member_badge(context):
    """Who is signed in, for the header of every site."""
    return render_to_string("account/member_badge.html", {"member": context.user})
