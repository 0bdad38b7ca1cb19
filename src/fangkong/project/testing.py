"""The persona world of the tests: the fixed cast.

``build_world()`` makes one district with two sub-districts; sub-district 江湾 has neighborhoods A and B, each
with a compound, a building and a household with one resident. The cast:

- ``hq``: HQ commander of 江湾
- ``staff_a`` / ``staff_b``: committee staff of neighborhood A / B
- ``cadre``: a support cadre whose scope is neighborhood A
- ``org_contact``: the contact of an organisation in neighborhood A
- ``office``: a functional office with the registry domain
- ``viewer``: a district viewer (read-only)
- ``auditor``: the sub-district's auditor
- ``other_hq``: HQ of the other sub-district
"""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from fangkong.core.choices import Role
from fangkong.core.testing import make_id_number, make_phone, make_user

PERSONAS = ("hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous")


def build_world(rng_seed: int = 7) -> SimpleNamespace:
    from fangkong.registry.models import (
        Building,
        Compound,
        District,
        Household,
        LineDepartment,
        Neighborhood,
        Organization,
        Resident,
        SubDistrict,
    )
    from fangkong.registry.services import set_personal

    rng = random.Random(rng_seed)
    w = SimpleNamespace()
    w.district = District.objects.create(name="虹口区", code="310109")
    w.sub = SubDistrict.objects.create(district=w.district, name="江湾镇街道", code="JW")
    w.other_sub = SubDistrict.objects.create(district=w.district, name="广中路街道", code="GZ")
    w.dept = LineDepartment.objects.create(district=w.district, name="区教育局", kind="education")
    w.hood_a = Neighborhood.objects.create(subdistrict=w.sub, name="安汾居民区", code="A")
    w.hood_b = Neighborhood.objects.create(subdistrict=w.sub, name="新南二居民区", code="B")
    w.hood_other = Neighborhood.objects.create(subdistrict=w.other_sub, name="广中居民区", code="C")
    for key, hood in (("a", w.hood_a), ("b", w.hood_b), ("c", w.hood_other)):
        compound = Compound.objects.create(
            subdistrict=hood.subdistrict, neighborhood=hood, name=f"{hood.name[:2]}小区"
        )
        building = Building.objects.create(
            subdistrict=hood.subdistrict, neighborhood=hood, compound=compound, name="1号"
        )
        household = Household.objects.create(
            subdistrict=hood.subdistrict,
            neighborhood=hood,
            building=building,
            room="101",
            address=f"{compound.name}1号101室",
        )
        resident = Resident(
            subdistrict=hood.subdistrict, neighborhood=hood, household=household, name=f"居民{key.upper()}"
        )
        set_personal(resident, {"id_number": make_id_number(rng), "phone": make_phone(rng)})
        resident.save()
        setattr(w, f"compound_{key}", compound)
        setattr(w, f"building_{key}", building)
        setattr(w, f"household_{key}", household)
        setattr(w, f"resident_{key}", resident)
    w.org_a = Organization.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="上海银康老年公寓", kind="elderly_home"
    )
    w.org_b = Organization.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_b, name="上海粤海大酒店", kind="hotel"
    )
    w.hq = make_user("hq", Role.HQ, subdistrict=w.sub, display_name="指挥部", may_reveal_personal_data=True)
    w.staff_a = make_user(
        "staff_a", Role.STAFF, subdistrict=w.sub, neighborhoods=[w.hood_a], display_name="居委A"
    )
    w.staff_b = make_user(
        "staff_b", Role.STAFF, subdistrict=w.sub, neighborhoods=[w.hood_b], display_name="居委B"
    )
    w.cadre = make_user(
        "cadre", Role.CADRE, subdistrict=w.sub, neighborhoods=[w.hood_a], display_name="下沉干部"
    )
    w.org_contact = make_user("org_contact", Role.ORG_CONTACT, subdistrict=w.sub, organization=w.org_a)
    w.office = make_user("office", Role.OFFICE, subdistrict=w.sub, domains=["registry"])
    w.viewer = make_user("viewer", Role.DISTRICT_VIEWER, district=w.district)
    w.auditor = make_user("auditor", Role.AUDITOR, subdistrict=w.sub)
    w.other_hq = make_user("other_hq", Role.HQ, subdistrict=w.other_sub)
    return w


def client_for(persona: str, world: SimpleNamespace) -> Any:
    """A Django test client logged in as ``persona`` (``anonymous`` stays logged out)."""
    from django.test import Client

    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client
