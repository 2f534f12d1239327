"""
Staff screens for posts, pages and tags. Every write goes through ``services``, so a body is cleaned,
an old slug kept and the fediverse told exactly as when the blog's own code writes.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html

from apps.core.errors import RoseAshError

from . import navigation, services
from .editor import EditorWidget
from .models import BlogSettings, Menu, MenuItem, Post, Revision, Tag
from .services import EDITABLE_FIELDS


class RevisionInline(admin.TabularInline):
    """What the post said before each save; open one to restore it."""

    model = Revision
    fields = ("created", "title")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "published_at", "publish_at", "featured", "is_page", "tag_list")
    list_filter = ("status", "featured", "is_page", "tags", "authors")
    search_fields = ("title", "slug", "excerpt")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("tags", "authors")
    readonly_fields = ("status", "published_at", "preview_link")
    fieldsets = (
        (None, {"fields": ("title", "slug", "excerpt", "body", "tags", "authors", "featured", "is_page")}),
        ("Publishing", {"fields": ("status", "publish_at", "published_at", "preview_link")}),
        ("Feature image", {"fields": ("feature_image_url", "feature_image_alt", "feature_image_caption")}),
        ("Search engines", {"fields": ("seo_title", "seo_description", "canonical_url")}),
    )
    inlines = [RevisionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The body gets the staff editor's widget: the same editor, the same picture uploads."""
        if db_field.name == "body":
            kwargs["widget"] = EditorWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="tags")
    def tag_list(self, post):
        return ", ".join(tag.name for tag in post.tags.all())

    @admin.display(description="preview link")
    def preview_link(self, post):
        if post.pk is None:
            return "Save the post first."
        url = services.preview_url(post.pk)
        return format_html('<a href="{}">{}</a> (anyone holding it may read the post for 7 days)', url, url)

    def save_model(self, request, obj, form, change):
        """Write through the services; a ``publish_at`` given to an unpublished post schedules it."""
        data = form.cleaned_data
        fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
        relations = {
            "tags": [tag.name for tag in data["tags"]],
            "author_ids": [member.pk for member in data["authors"]],
        }
        post = (
            services.update_post(obj.pk, **relations, **fields)
            if change
            else services.create_post(**relations, **fields)
        )
        if data.get("publish_at") and "publish_at" in form.changed_data and not post.is_live:
            post = services.schedule_post(post.pk, data["publish_at"])
        obj.pk = post.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Tags and authors were set by the service: only the (read-only) revisions inline is saved."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.delete_post(obj.pk)

    def delete_queryset(self, request, queryset):
        for post_id in queryset.values_list("pk", flat=True):
            services.delete_post(post_id)

    def _each(self, request, queryset, service, verb):
        done = 0
        for post_id in queryset.values_list("pk", flat=True):
            try:
                service(post_id)
            except RoseAshError as error:
                self.message_user(request, f"Post {post_id}: {error.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} posts {verb}.")

    @admin.action(description="Publish the selected posts")
    def publish(self, request, queryset):
        self._each(request, queryset, services.publish_post, "published")

    @admin.action(description="Unpublish the selected posts")
    def unpublish(self, request, queryset):
        self._each(request, queryset, services.unpublish_post, "unpublished")


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Earlier versions of posts, read-only; the action brings one back."""

    list_display = ("post", "title", "created")
    list_select_related = ("post",)
    search_fields = ("post__title", "title")
    readonly_fields = ("post", "title", "excerpt", "body", "created")
    actions = ["restore"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_restore_permission(self, request):
        """Restoring rewrites a post: it takes the right to change posts."""
        return request.user.has_perm("blog.change_post")

    @admin.action(description="Restore the selected revisions", permissions=["restore"])
    def restore(self, request, queryset):
        revision_ids = list(queryset.order_by("created").values_list("pk", flat=True))
        for revision_id in revision_ids:
            services.restore_revision(revision_id)
        self.message_user(request, f"{len(revision_ids)} revisions restored.")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "post_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_count=Count("posts"))

    @admin.display(description="posts", ordering="post_count")
    def post_count(self, tag):
        return tag.post_count


class MenuItemForm(forms.ModelForm):
    """An item's target checked by ``navigation.check_target``, so staff read why a link is refused."""

    # A plain field: Django's URLField would answer "Enter a valid URL." before our clearer refusal.
    url = forms.CharField(label="outside URL", max_length=500, required=False)

    class Meta:
        model = MenuItem
        fields = ("label", "order", "parent", "site", "post", "tag", "url")

    def clean(self):
        data = super().clean()
        post, tag = data.get("post"), data.get("tag")
        try:
            navigation.check_target(
                site=data.get("site", ""),
                post_id=post.pk if post else None,
                tag_id=tag.pk if tag else None,
                url=data.get("url", ""),
            )
        except RoseAshError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return data


class MenuItemFormSet(forms.BaseInlineFormSet):
    """Checks the menu's levels as submitted: one form alone cannot see a parent moved in another."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each form says first what is wrong with it
        deleted = {form.instance.pk for form in self.forms if form.instance.pk and self._should_delete_form(form)}
        parents, labels = {}, {}
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue  # an extra form left empty, or an item going away
            key = form.instance.pk or id(form)
            parent = form.cleaned_data.get("parent")
            parents[key] = parent.pk if parent else None
            labels[key] = form.cleaned_data["label"]
            if parent and parent.pk in deleted:
                raise forms.ValidationError(
                    f"“{labels[key]}” is under “{parent.label}”, which you are deleting: delete it too or move it."
                )
        for item in self.instance.items.exclude(pk__in=[*parents, *deleted]) if self.instance.pk else ():
            parents[item.pk], labels[item.pk] = item.parent_id, item.label
        try:
            navigation.check_levels(parents, labels)
        except RoseAshError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class MenuItemInline(admin.TabularInline):
    """A menu's links, ordered by ``order``; a parent is one of this menu's top-level items."""

    model = MenuItem
    fk_name = "menu"
    form = MenuItemForm
    formset = MenuItemFormSet
    extra = 3
    autocomplete_fields = ("post", "tag")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A parent is chosen among this menu's items only: never another menu's.
        items = MenuItem.objects.filter(menu=obj) if obj else MenuItem.objects.none()
        formset.form.base_fields["parent"].queryset = items
        return formset


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    """Menus of the cooperative's navigation; saving one shows it on every site at once."""

    list_display = ("name", "updated")
    inlines = [MenuItemInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for name in {form.instance.name, form.initial.get("name")} - {None}:
            navigation.forget_menu(name)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        navigation.forget_menu(obj.name)

    def delete_queryset(self, request, queryset):
        names = list(queryset.values_list("name", flat=True))
        super().delete_queryset(request, queryset)
        for name in names:
            navigation.forget_menu(name)


@admin.register(BlogSettings)
class BlogSettingsAdmin(admin.ModelAdmin):
    """One row of settings: staff open it from the list (made on first visit), never add a second."""

    list_display = ["__str__", "federate_as"]

    def has_add_permission(self, request):
        return not BlogSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
