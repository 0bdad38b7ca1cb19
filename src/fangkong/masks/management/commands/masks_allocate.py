"""Serve waiting households from stock on hand (booking order, or draw order after a lottery)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.masks import services
from fangkong.masks.choices import RoundStatus
from fangkong.masks.models import MaskRound


class Command(BaseCommand):
    help = "Allocate masks on hand to waiting households in every active round."

    def handle(self, *args: Any, **options: Any) -> None:
        for rnd in MaskRound.objects.exclude(status=RoundStatus.FINISHED).order_by("id"):
            n = services.allocate_waiting(actor=None, mask_round=rnd)
            self.stdout.write(f"{rnd.pk} {rnd.name}: {n} vouchers issued")
