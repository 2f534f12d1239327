"""
The GIN index full-text search uses, on PostgreSQL only (SQLite searches with a substring match).

Built from the same ``SearchVector`` expression ``services.search_posts`` queries with, so the
planner matches them; it is not declared in ``Post.Meta`` because SQLite cannot build it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("title", "excerpt", "body", config="english"), name="blog_post_search")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("blog", "Post"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("blog", "Post"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(add_index, remove_index)]
