"""The registry's daily figures (residents and households per neighborhood) for the trends."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from fangkong.core.figures import grouped, register_figures


def registry_figures(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    from fangkong.registry.models import Household, Resident

    residents = (
        Resident.objects.filter(subdistrict_id=subdistrict_id)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    households = (
        Household.objects.filter(subdistrict_id=subdistrict_id)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    return [*grouped(residents, "registry.residents"), *grouped(households, "registry.households")]


def register_jobs() -> None:
    register_figures(registry_figures)
