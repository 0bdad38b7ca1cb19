"""Persona tests for every registry page: allowed, 404 outside scope, login for the anonymous."""

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEvent
from fangkong.registry import models as m
from fangkong.registry.views import OBJECT_TYPES

pytestmark = pytest.mark.django_db

# The record of neighborhood A used for each object type's detail page.
A_RECORD = {
    "neighborhoods": "hood_a",
    "compounds": "compound_a",
    "buildings": "building_a",
    "households": "household_a",
    "residents": "resident_a",
    "organizations": "org_a",
}
# Who may read A's record (everyone else in the cast gets a 404; anonymous is sent to login).
A_READERS = {"hq", "staff_a", "cadre"}


@pytest.mark.parametrize("ot", OBJECT_TYPES, ids=lambda ot: ot.slug)
@pytest.mark.parametrize("persona", ["hq", "staff_a", "staff_b", "cadre", "org_contact"])
def test_list_pages_open_for_signed_in_personas(as_persona, ot, persona):
    response = as_persona(persona).get(reverse(f"registry:{ot.slug}_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("ot", OBJECT_TYPES, ids=lambda ot: ot.slug)
def test_list_pages_send_anonymous_to_login(as_persona, ot):
    response = as_persona("anonymous").get(reverse(f"registry:{ot.slug}_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("slug", sorted(A_RECORD))
@pytest.mark.parametrize("persona", ["hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous"])
def test_detail_pages_are_scoped(world, as_persona, slug, persona):
    obj = getattr(world, A_RECORD[slug])
    response = as_persona(persona).get(reverse(f"registry:{slug}_detail", args=[obj.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in A_READERS or (persona == "org_contact" and slug == "organizations"):
        assert response.status_code == 200
    elif slug == "organizations" and persona == "staff_b":
        # organisations with a neighborhood belong to it; B's staff do not see A's firms
        assert response.status_code == 404
    else:
        assert response.status_code == 404


def test_other_subdistrict_hq_gets_404(world, as_persona):
    response = as_persona("other_hq").get(reverse("registry:households_detail", args=[world.household_a.pk]))
    assert response.status_code == 404


def test_staff_list_shows_only_their_households(world, as_persona):
    body = as_persona("staff_a").get(reverse("registry:households_list")).content.decode()
    assert world.household_a.address in body
    assert world.household_b.address not in body


def test_household_page_shows_residents_masked(world, as_persona):
    from fangkong.core import crypto

    plain = crypto.decrypt(world.resident_a.id_number_enc)
    body = (
        as_persona("staff_a")
        .get(reverse("registry:households_detail", args=[world.household_a.pk]))
        .content.decode()
    )
    assert world.resident_a.name in body
    assert world.resident_a.id_number_masked in body
    assert plain not in body


def test_staff_add_household_and_resident(world, as_persona):
    from fangkong.core.testing import make_id_number

    client = as_persona("staff_a")
    response = client.post(
        reverse("registry:households_add"), {"building": world.building_a.pk, "room": "502"}
    )
    assert response.status_code == 302
    household = m.Household.objects.get(building=world.building_a, room="502")
    assert household.neighborhood_id == world.hood_a.pk and household.subdistrict_id == world.sub.pk
    id_number = make_id_number()
    response = client.post(
        reverse("registry:residents_add"),
        {
            "household": household.pk,
            "name": "郭文俊",
            "doc_type": "resident_id",
            "id_number": id_number,
            "phone": "13812345678",
            "relation": "head",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resident = m.Resident.objects.get(household=household)
    assert resident.id_number_masked == id_number[:3] + "*" * 11 + id_number[-4:]
    assert resident.phone_masked == "138****5678"
    assert resident.birth_date is not None
    assert AuditEvent.objects.filter(
        action="create", object_type="registry.resident", object_id=str(resident.pk)
    ).exists()


def test_bad_id_number_is_refused_and_nothing_changes(world, as_persona):
    before = m.Resident.objects.count()
    response = as_persona("staff_a").post(
        reverse("registry:residents_add"),
        {
            "household": world.household_a.pk,
            "name": "张三",
            "doc_type": "resident_id",
            "id_number": "310109199001011230",
            "relation": "head",
        },
    )
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert m.Resident.objects.count() == before


def test_staff_b_cannot_add_into_neighborhood_a(world, as_persona):
    before = m.Household.objects.count()
    response = as_persona("staff_b").post(
        reverse("registry:households_add"), {"building": world.building_a.pk, "room": "9"}
    )
    assert response.status_code == 200  # the building is not among B's choices
    assert m.Household.objects.count() == before


def test_staff_b_cannot_edit_a_record_of_a(world, as_persona):
    url = reverse("registry:households_edit", args=[world.household_a.pk])
    assert as_persona("staff_b").get(url).status_code == 404
    assert as_persona("staff_b").post(url, {"building": world.building_b.pk, "room": "1"}).status_code == 404


def test_read_only_viewer_cannot_edit(world, as_persona):
    url = reverse("registry:households_edit", args=[world.household_a.pk])
    assert as_persona("viewer").get(url).status_code == 404


def test_two_saves_of_the_same_version_do_not_lose_an_update(world, as_persona):
    url = reverse("registry:households_edit", args=[world.household_a.pk])
    version = world.household_a.version
    first = as_persona("staff_a").post(
        url, {"building": world.building_a.pk, "room": "101", "note": "第一位", "expected_version": version}
    )
    assert first.status_code == 302
    second = as_persona("hq").post(
        url, {"building": world.building_a.pk, "room": "101", "note": "第二位", "expected_version": version}
    )
    assert second.status_code == 200
    assert "已被他人修改" in second.content.decode()
    world.household_a.refresh_from_db()
    assert world.household_a.note == "第一位"
    assert world.household_a.version == version + 1


def _post_search(client, slug, data):
    return client.post(reverse(f"registry:{slug}_list"), data)


def test_search_by_full_id_number_posts_and_never_puts_it_in_the_url(world, as_persona):
    from fangkong.core import crypto

    plain = crypto.decrypt(world.resident_a.id_number_enc)
    client = as_persona("hq")
    response = _post_search(client, "residents", {"q": plain, "neighborhood": world.hood_a.pk})
    assert response.status_code == 303
    location = response["Location"]
    assert plain not in location and plain.lower() not in location
    assert crypto.lookup_hash("id_number", plain) not in location
    assert "qt=" in location and f"neighborhood={world.hood_a.pk}" in location
    body = client.get(location).content.decode()
    assert world.resident_a.name in body
    assert world.resident_b.name not in body
    # htmx's live search posts too, follows the redirect and gets the rows for the token
    rows = client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert world.resident_a.name in rows and "<html" not in rows


def test_search_by_phone_posts_and_the_pager_keeps_the_token(world, as_persona, monkeypatch):
    from fangkong.core import crypto
    from fangkong.registry.services import set_personal
    from fangkong.registry.views import OBJECT_TYPES

    phone = crypto.decrypt(world.resident_a.phone_enc)
    twin = m.Resident(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        household=world.household_a,
        name="同号居民",
        relation="child",
    )
    set_personal(twin, {"id_number": "", "phone": phone})
    twin.save()
    residents = next(ot for ot in OBJECT_TYPES if ot.slug == "residents")
    monkeypatch.setattr(residents, "per_page", 1)
    client = as_persona("hq")
    location = _post_search(client, "residents", {"q": phone})["Location"]
    assert phone not in location
    token = location.split("qt=")[1].split("&")[0]
    first = client.get(location).content.decode()
    assert f"qt={token}" in first and "page=2" in first
    second = client.get(location + "&page=2").content.decode()
    names = {world.resident_a.name, "同号居民"}
    assert sum(name in first for name in names) == 1
    assert sum(name in second for name in names) == 1


def test_search_token_is_scoped_to_the_searcher(world, as_persona):
    from fangkong.core import crypto

    plain = crypto.decrypt(world.resident_a.id_number_enc)
    location = _post_search(as_persona("staff_b"), "residents", {"q": plain})["Location"]
    body = as_persona("staff_b").get(location).content.decode()
    assert world.resident_a.name not in body
    # another session does not know the token: the whole list, with a notice, nothing searched
    other = as_persona("hq").get(location).content.decode()
    assert "这次搜索已过期" in other


def test_get_with_a_full_id_number_in_the_url_does_not_search(world, as_persona):
    from fangkong.core import crypto

    plain = crypto.decrypt(world.resident_a.id_number_enc)
    body = as_persona("hq").get(reverse("registry:residents_list"), {"q": plain}).content.decode()
    assert "不能写在网址里" in body
    assert f'value="{plain}"' not in body  # not taken as the search text
    assert world.resident_b.name in body  # the unfiltered list


def test_non_personal_search_keeps_a_plain_query(world, as_persona):
    client = as_persona("hq")
    location = _post_search(client, "residents", {"q": world.resident_a.name})["Location"]
    assert "q=" in location and "qt=" not in location
    body = client.get(location).content.decode()
    assert world.resident_a.name in body and world.resident_b.name not in body


def test_list_query_count_does_not_grow(world, as_persona, django_assert_max_num_queries):
    from fangkong.registry.services import set_personal

    client = as_persona("hq")
    url = reverse("registry:residents_list")
    client.get(url)
    for i in range(30):
        r = m.Resident(
            subdistrict=world.sub,
            neighborhood=world.hood_a,
            household=world.household_a,
            name=f"居民{i}",
            relation="child",
        )
        set_personal(r, {"id_number": "", "phone": ""})
        r.save()
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "name,needle",
    [("张\x00三", "控制字符"), ("张\u202e三", "U+202E"), ("张\u200b三", "U+200B"), ("张" * 51, "50")],
    ids=["nul", "bidi", "zero-width", "too-long"],
)
def test_person_name_forms_refuse_mangled_names(world, as_persona, name, needle):
    from fangkong.core.testing import make_id_number, make_phone

    client = as_persona("hq")
    cases = [
        (
            "residents",
            m.Resident,
            {
                "household": world.household_a.pk,
                "name": name,
                "doc_type": "resident_id",
                "id_number": make_id_number(),
                "relation": "child",
            },
        ),
        ("cadres", m.SupportCadre, {"name": name, "department": world.dept.pk, "phone": make_phone()}),
        ("volunteers", m.Volunteer, {"name": name, "phone": make_phone(), "neighborhood": world.hood_a.pk}),
        ("staff", m.CommitteeStaff, {"name": name, "neighborhood": world.hood_a.pk, "position": "书记"}),
    ]
    for slug, model, data in cases:
        before = model.objects.count()
        response = client.post(reverse(f"registry:{slug}_add"), data)
        assert response.status_code == 200, slug
        assert needle in response.content.decode(), slug
        assert model.objects.count() == before
