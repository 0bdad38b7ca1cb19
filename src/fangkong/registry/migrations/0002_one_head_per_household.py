# One 户主 per household. Households that already have several heads keep the first registered one; the
# others become 其他 (other) with a note, so the constraint can be added to existing data.

from django.db import migrations, models
from django.db.models import Count, Min


def demote_extra_heads(apps, schema_editor):
    Resident = apps.get_model("registry", "Resident")
    crowded = (
        Resident.objects.filter(relation="head")
        .values("household_id")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
    )
    for row in crowded:
        extra = Resident.objects.filter(household_id=row["household_id"], relation="head").exclude(
            pk=row["first"]
        )
        for resident in extra:
            resident.relation = "other"
            resident.note = ("原登记为户主（一户一位户主，已改为其他）" + (" " + resident.note if resident.note else ""))[
                :200
            ]
            resident.save(update_fields=["relation", "note"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(demote_extra_heads, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relation", "head")),
                fields=("household",),
                name="resident_one_head_per_household",
                violation_error_message="该住户已有户主，一户只能有一位户主；请先把原户主改为其他关系。",
            ),
        ),
    ]
