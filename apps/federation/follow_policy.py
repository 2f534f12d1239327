"""
Who approves new followers, decided in one place: site actors accept everyone; a member accepts
automatically unless they chose to approve each follower. The inbox's Follow handler, the hub's
local follows and the actor documents we serve (``manuallyApprovesFollowers``) all ask here.
"""

from .models import FollowerPolicy


def approves_manually(username):
    """Return True when the member ``username`` approves each new follower themselves."""
    return FollowerPolicy.objects.filter(member__username=username, approve_manually=True).exists()


def approves_automatically(actor):
    """Return True when a follow of our ``actor`` (a ``LocalActor``) is accepted without asking."""
    return actor.kind != "Person" or not approves_manually(actor.username)


def set_approves_manually(member, approve_manually):
    """Choose manual (True) or automatic (False) approval of ``member``'s new followers."""
    FollowerPolicy.objects.update_or_create(member=member, defaults={"approve_manually": bool(approve_manually)})
