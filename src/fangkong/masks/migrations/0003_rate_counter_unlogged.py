"""On PostgreSQL the rate-limit counters live in an UNLOGGED table: each booking upserts its counters, and
skipping the write-ahead log for them saves work on every booking. The counters only guard against floods
within a short window, so losing them on a server crash is harmless. On other backends this does nothing."""

from django.db import migrations


def _set_logged(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("masks", "RateCounter")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("masks", "0002_lean_booking_indexes"),
    ]

    operations = [
        migrations.RunPython(_set_logged(False), _set_logged(True), elidable=False),
    ]
