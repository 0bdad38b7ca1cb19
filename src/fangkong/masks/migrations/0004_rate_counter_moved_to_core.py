"""The rate-limit counters moved to core (core.ratelimit serves every public endpoint); they only guard a short
window, so they are dropped, not copied."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("masks", "0003_rate_counter_unlogged"),
    ]

    operations = [
        migrations.DeleteModel(
            name="RateCounter",
        ),
    ]
