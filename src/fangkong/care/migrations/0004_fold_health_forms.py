"""The returnees app's counter of 《健康状况信息登记表》 becomes a kind of the one materials counter: each
row (per neighborhood, or per venue, and day) is copied with its handed-out and returned counts; a venue's row
names the venue's organisation or premises. The returnees model is removed after this (returnees 0006)."""

from django.db import migrations


def fold(apps, schema_editor):
    HealthFormCount = apps.get_model("returnees", "HealthFormCount")
    MaterialCount = apps.get_model("care", "MaterialCount")
    rows = []
    for old in HealthFormCount.objects.select_related("venue").order_by("pk").iterator(chunk_size=2000):
        venue = old.venue
        rows.append(
            MaterialCount(
                subdistrict_id=old.subdistrict_id,
                neighborhood_id=old.neighborhood_id,
                kind="health_form",
                organization_id=venue.organization_id if venue is not None else None,
                premises_id=venue.premises_id if venue is not None else None,
                day=old.day,
                handed_out=old.handed_out,
                returned=old.returned,
                note=venue.name if venue is not None else "",
                created_at=old.created_at,
            )
        )
    MaterialCount.objects.bulk_create(rows, batch_size=2000)


def unfold(apps, schema_editor):
    MaterialCount = apps.get_model("care", "MaterialCount")
    HealthFormCount = apps.get_model("returnees", "HealthFormCount")
    Venue = apps.get_model("returnees", "Venue")
    for row in MaterialCount.objects.filter(kind="health_form", neighborhood__isnull=False).order_by("pk"):
        venue = None
        if row.organization_id or row.premises_id:
            venue = Venue.objects.filter(
                organization_id=row.organization_id, premises_id=row.premises_id
            ).first()
        HealthFormCount.objects.update_or_create(
            neighborhood_id=row.neighborhood_id,
            venue=venue,
            day=row.day,
            defaults={
                "subdistrict_id": row.subdistrict_id,
                "handed_out": row.handed_out,
                "returned": row.returned,
            },
        )
    MaterialCount.objects.filter(kind="health_form").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0003_materials"),
        ("returnees", "0005_visit_suspension_until"),
    ]

    operations = [migrations.RunPython(fold, unfold)]
