"""`fangkong check-overdue`: mark rounds past their deadline as overdue and alert who is in charge."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.pairing.services import detect_overdue
from fangkong.registry.models import SubDistrict


class Command(BaseCommand):
    help = "Mark check-in rounds past their deadline as overdue and notify the person in charge and the committee."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--subdistrict", type=int, help="only this sub-district (id)")

    def handle(self, *args: Any, **options: Any) -> None:
        sub = None
        if options.get("subdistrict"):
            sub = SubDistrict.objects.get(pk=options["subdistrict"])
        rounds = detect_overdue(subdistrict=sub)
        buildings = len({r.building_id for r in rounds})
        self.stdout.write(f"overdue rounds: {len(rounds)} in {buildings} buildings")
