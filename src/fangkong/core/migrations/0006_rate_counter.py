"""The rate limiter's counters (core.ratelimit), moved here from masks; the counters are ephemeral, so none are
carried over. On PostgreSQL the table is UNLOGGED: every limited request upserts its counters, and skipping
the write-ahead log for them saves work on each; losing them on a server crash is harmless."""

from django.db import migrations, models


def _set_logged(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("core", "RateCounter")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_jobs_and_inbox"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("key", models.CharField(max_length=80, primary_key=True, serialize=False, verbose_name="键")),
                ("win", models.BigIntegerField(verbose_name="窗口")),
                ("hits", models.PositiveIntegerField(default=0, verbose_name="次数")),
            ],
            options={
                "verbose_name": "限流计数",
                "verbose_name_plural": "限流计数",
            },
        ),
        migrations.RunPython(_set_logged(False), _set_logged(True), elidable=False),
    ]
