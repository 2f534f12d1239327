"""
The staff editor's post form: it checks the shape of what was typed; the services check the rest.

A slug another post has, a schedule in the past and the cleaning of the body are the services'
work (the view puts their ``RoseAshError`` back on the form), so the admin, the editor and the
services never disagree about what a valid post is.
"""

from functools import partial

from django import forms

from .editor import EditorWidget
from .models import Post
from .services import EDITABLE_FIELDS

__all__ = ["ACTIONS", "PostForm"]

# The editor's buttons: the value each submits as ``action``, and its label.
ACTIONS = {"save": "Save draft", "schedule": "Schedule", "publish": "Publish", "unpublish": "Unpublish"}


class PostForm(forms.ModelForm):
    tag_names = forms.CharField(label="Tags", required=False, max_length=1000, help_text="Separate tags with commas.")
    action = forms.ChoiceField(choices=ACTIONS.items(), widget=forms.HiddenInput, required=False)

    class Meta:
        model = Post
        fields = (
            *("title", "slug", "excerpt", "body", "feature_image_url", "feature_image_alt"),
            *("seo_title", "seo_description", "publish_at"),
        )
        widgets = {
            "body": EditorWidget,
            "excerpt": forms.Textarea(attrs={"rows": 3}),
            "publish_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {"slug": "Left empty, it is made from the title."}
        field_classes = {"feature_image_url": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.pk:
            self.initial.setdefault("tag_names", ", ".join(tag.name for tag in self.instance.tags.all()))

    def validate_unique(self):
        """The services refuse a slug another post has, with their own message: not checked twice."""

    def post_fields(self):
        """Return the cleaned fields as the services take them: editable fields, tag names, ``publish_at``."""
        data = self.cleaned_data
        fields = {name: data[name] or "" for name in self.Meta.fields if name in EDITABLE_FIELDS}
        tags = [name.strip() for name in data["tag_names"].split(",") if name.strip()]
        return fields, tags, data["publish_at"]
