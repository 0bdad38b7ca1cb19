"""Forfeit vouchers not collected by their deadline and give their masks to the waiting list (cron-able)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fangkong.masks import services
from fangkong.masks.choices import RoundStatus
from fangkong.masks.models import MaskRound


class Command(BaseCommand):
    help = (
        "Forfeit uncollected vouchers past their deadline and reallocate their masks to waiting households."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--round", type=int, help="only this round")

    def handle(self, *args: Any, **options: Any) -> None:
        rounds = MaskRound.objects.exclude(status=RoundStatus.FINISHED)
        if options.get("round"):
            rounds = rounds.filter(pk=options["round"])
        now = timezone.now()
        for rnd in rounds.order_by("id"):
            out = services.forfeit_expired(actor=None, mask_round=rnd, now=now)
            self.stdout.write(
                f"{rnd.pk} {rnd.name}: forfeited {out['forfeited']}, reallocated {out['reallocated']}"
            )
