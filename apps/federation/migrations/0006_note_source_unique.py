"""
One note per published object: ``Note.source`` is unique when set (a partial unique index), and
that index replaces the plain one lookups by source used.

Before this, two publishes of one object at once could each insert a note; if a database holds
such a pair, the index cannot be built and the migration stops, naming the source (PostgreSQL's
"Key (source)=(...) is duplicated"): clear the source of the younger note of the pair, then
migrate again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0005_site_actor_profiles"),
    ]

    operations = [
        # The plain index goes first: dropping it afterwards would drop the partial unique index as
        # well, which Django's introspection counts among the column's plain indexes.
        migrations.AlterField(
            model_name="note",
            name="source",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", ""), _negated=True), fields=("source",), name="fed_note_source_unique"
            ),
        ),
    ]
