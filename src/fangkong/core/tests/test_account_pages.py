"""HQ runs the sub-district's accounts from its own pages (no Django admin), each change audited; admin shows
domain records read-only; refused reveals are audited too."""

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core import services
from fangkong.core.choices import AuditAction, Role
from fangkong.core.models import AuditEvent, LoginFailure, User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Qiang-mima-2020!"


def _create(client, world, **overrides):
    data = {
        "username": "zhang_staff",
        "display_name": "张社工",
        "role": Role.STAFF,
        "neighborhoods": [world.hood_a.pk],
        "password": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("account_create"), data)


def test_hq_creates_a_staff_account_that_can_sign_in(as_persona, world):
    response = _create(as_persona("hq"), world, may_reveal_personal_data="on")
    assert response.status_code == 302
    user = User.objects.get(username="zhang_staff")
    assert user.role == Role.STAFF and user.subdistrict_id == world.sub.pk
    assert list(user.neighborhoods.all()) == [world.hood_a] and user.may_reveal_personal_data
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="core.user", object_id=str(user.pk))
    assert event.actor_id == world.hq.pk and GOOD_PASSWORD not in str(event.changes)
    assert Client().login(username="zhang_staff", password=GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"neighborhoods": []}, "neighborhoods", "至少需要一个居民区"),
        ({"role": Role.OFFICE, "neighborhoods": []}, "domains", "至少需要一个负责领域"),
        ({"role": Role.ORG_CONTACT}, "organization", "需要所属单位"),
        ({"username": "staff_a"}, "username", "已被使用"),
        ({"password": "123"}, "password", ""),
        ({"role": Role.DISTRICT_VIEWER}, "role", ""),
    ],
)
def test_bad_account_input_is_refused_with_a_message_and_changes_nothing(
    as_persona, world, overrides, field, message
):
    before = User.objects.count()
    response = _create(as_persona("hq"), world, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in str(response.context["form"].errors[field])
    assert User.objects.count() == before


def test_neighborhoods_of_another_subdistrict_are_refused_by_the_service(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="本街道"):
        services.create_account(
            actor=world.hq,
            username="x1",
            password=GOOD_PASSWORD,
            role=Role.STAFF,
            neighborhoods=[world.hood_other],
        )
    assert not User.objects.filter(username="x1").exists()


def test_hq_edits_role_neighborhoods_and_password_audited(as_persona, world):
    client = as_persona("hq")
    response = client.post(
        reverse("account_edit", args=[world.staff_a.pk]),
        {
            "display_name": "居委A",
            "role": Role.STAFF,
            "neighborhoods": [world.hood_a.pk, world.hood_b.pk],
            "password": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert set(world.staff_a.neighborhoods.all()) == {world.hood_a, world.hood_b}
    assert world.staff_a.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(world.staff_a.pk)).latest("at")
    assert event.changes["neighborhoods"] == [[world.hood_a.pk], [world.hood_a.pk, world.hood_b.pk]]
    assert event.changes["password"] == "已重置"


def test_deactivated_account_cannot_sign_in_and_reactivates(as_persona, world):
    client = as_persona("hq")
    signed_in = Client()
    signed_in.force_login(world.staff_a)
    assert client.post(reverse("account_active", args=[world.staff_a.pk]), {"active": "0"}).status_code == 302
    world.staff_a.refresh_from_db()
    assert not world.staff_a.is_active
    assert signed_in.get(reverse("home")).status_code == 302  # its session stops working
    assert AuditEvent.objects.filter(object_id=str(world.staff_a.pk), note="停用账号").exists()
    client.post(reverse("account_active", args=[world.staff_a.pk]), {"active": "1"})
    world.staff_a.refresh_from_db()
    assert world.staff_a.is_active


def test_hq_cannot_deactivate_itself_or_change_its_own_role(as_persona, world):
    client = as_persona("hq")
    client.post(reverse("account_active", args=[world.hq.pk]), {"active": "0"})
    world.hq.refresh_from_db()
    assert world.hq.is_active
    response = client.post(
        reverse("account_edit", args=[world.hq.pk]), {"display_name": "x", "role": Role.STAFF}
    )
    assert response.status_code == 200 and "不能修改自己的角色" in response.content.decode()


def test_unlock_button_on_a_locked_account(as_persona, world):
    from django.utils import timezone

    LoginFailure.objects.create(
        username="staff_a",
        ip="10.0.0.9",
        failures=9,
        locked_until=timezone.now() + timezone.timedelta(hours=1),
    )
    client = as_persona("hq")
    page = client.get(reverse("account_edit", args=[world.staff_a.pk])).content.decode()
    assert "已锁定" in page and reverse("account_unlock", args=[world.staff_a.pk]) in page
    assert "已锁定" in client.get(reverse("accounts")).content.decode()
    client.post(reverse("account_unlock", args=[world.staff_a.pk]))
    assert not LoginFailure.objects.filter(username="staff_a").exists()


@pytest.mark.parametrize("persona", ["staff_a", "cadre", "office", "viewer", "auditor", "org_contact"])
def test_only_hq_reaches_the_account_pages(as_persona, world, persona):
    client = as_persona(persona)
    for url in (
        reverse("accounts"),
        reverse("account_create"),
        reverse("account_edit", args=[world.staff_a.pk]),
    ):
        assert client.get(url).status_code == 404
    assert _create(client, world).status_code == 404
    assert not User.objects.filter(username="zhang_staff").exists()


def test_other_subdistricts_accounts_are_404(as_persona, world):
    client = as_persona("other_hq")
    assert client.get(reverse("account_edit", args=[world.staff_a.pk])).status_code == 404
    assert client.post(reverse("account_active", args=[world.staff_a.pk]), {"active": "0"}).status_code == 404
    world.staff_a.refresh_from_db()
    assert world.staff_a.is_active
    page = client.get(reverse("accounts")).content.decode()
    assert "staff_a" not in page


def test_account_list_shows_the_subdistrict_only(as_persona, world):
    page = as_persona("hq").get(reverse("accounts")).content.decode()
    assert "staff_a" in page and "auditor" in page and "other_hq" not in page


# ---------------------------------------------------------------- admin


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "x-Strong-Pass-2020")


@pytest.fixture
def root_client(root):
    client = Client()
    client.force_login(root)
    return client


def test_domain_models_are_read_only_in_admin(root, world):
    from django.contrib import admin
    from django.test import RequestFactory

    from fangkong.core.admin import AuditedAdmin
    from fangkong.registry.admin import SETUP_MODELS

    request = RequestFactory().get("/admin/")
    request.user = root
    editable = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedAdmin):
            continue
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            editable.append(model._meta.label)
        if model_admin.has_delete_permission(request):
            editable.append(model._meta.label)
    assert not editable
    audited = {m._meta.label for m, a in admin.site._registry.items() if isinstance(a, AuditedAdmin)}
    assert audited == {"core.User", "core.ApiToken", *(m._meta.label for m in SETUP_MODELS)}


def test_admin_refuses_a_ledger_change(root_client, world):
    # the change view of a domain record shows it but takes no POST
    url = f"/admin/registry/household/{world.household_a.pk}/change/"
    assert root_client.get(url).status_code == 200
    response = root_client.post(url, {"address": "改"})
    assert response.status_code == 403
    world.household_a.refresh_from_db()
    assert world.household_a.address != "改"
    assert root_client.get("/admin/masks/ledgerentry/add/").status_code == 403


def test_admin_account_changes_are_audited(root_client, world):
    url = f"/admin/registry/subdistrict/{world.sub.pk}/change/"
    response = root_client.post(
        url, {"district": world.district.pk, "name": "江湾镇街道（新）", "code": "JW"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(object_type="registry.subdistrict", note="Django admin").exists()


# ---------------------------------------------------------------- reveal


def test_refused_reveal_without_the_permission_is_audited(as_persona, world):
    url = reverse("reveal", args=["registry.resident", world.resident_a.pk, "id_number"])
    assert as_persona("staff_a").post(url).status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.REVEAL, actor=world.staff_a)
    assert event.changes == {"field": "id_number", "denied": True}
    assert event.object_id == str(world.resident_a.pk)


def test_refused_reveal_out_of_scope_is_audited_and_stays_404(as_persona, world):
    url = reverse("reveal", args=["registry.resident", world.resident_a.pk, "id_number"])
    assert as_persona("staff_b").post(url).status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.REVEAL, actor=world.staff_b)
    assert event.changes["denied"] and event.object_type == "registry.resident"
    assert event.object_repr == ""  # nothing about the record is copied into the log


def test_allowed_reveal_is_audited_without_denied(as_persona, world):
    url = reverse("reveal", args=["registry.resident", world.resident_a.pk, "id_number"])
    assert as_persona("hq").post(url).status_code == 200
    assert AuditEvent.objects.get(action=AuditAction.REVEAL).changes == {"field": "id_number"}
