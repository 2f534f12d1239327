"""
The social hub's forms: they check what a member typed before a service sees it, so a bad input
shows its errors beside the field and nothing is written.
"""

from django import forms

from .hub import MAX_NOTE
from .models import Note

VISIBILITY_CHOICES = [
    (Note.Visibility.PUBLIC, "Public: anyone, and listed in public timelines"),
    (Note.Visibility.UNLISTED, "Unlisted: anyone with the link, kept out of public timelines"),
    (Note.Visibility.FOLLOWERS, "Followers only"),
]
POLICY_CHOICES = [
    ("automatic", "Accept new followers automatically"),
    ("manual", "Approve each new follower myself"),
]


class ComposeForm(forms.Form):
    """A new note or a reply: plain text, an optional content warning and who may read it."""

    content = forms.CharField(
        label="Post",
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain text. Links and @user@host mentions are linked for you.",
    )
    summary = forms.CharField(
        label="Content warning",
        max_length=500,
        required=False,
        help_text="Optional. Readers see this first and open the post themselves.",
    )
    visibility = forms.ChoiceField(
        label="Who can see it",
        choices=VISIBILITY_CHOICES,
        initial=Note.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )


class FollowForm(forms.Form):
    target = forms.CharField(
        label="Handle or actor URL",
        max_length=500,
        help_text="Like @name@example.org, or the address of their profile.",
    )


class UnfollowForm(forms.Form):
    actor_url = forms.URLField(max_length=500, assume_scheme="https")


class FollowerPolicyForm(forms.Form):
    policy = forms.ChoiceField(label="New followers", choices=POLICY_CHOICES, widget=forms.RadioSelect)

    @property
    def approve_manually(self):
        return self.cleaned_data["policy"] == "manual"


class MarkReadForm(forms.Form):
    """One notification (``id``) or, without it, all of them."""

    id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
