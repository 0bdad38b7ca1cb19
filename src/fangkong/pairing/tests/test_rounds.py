import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fangkong.core import notify
from fangkong.core.models import Notification
from fangkong.pairing import access, reports, services
from fangkong.pairing.models import BuildingAssignment, CheckInRound, TaskTemplate
from fangkong.registry.models import Building, Compound

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds_world(pw):
    w = pw.w
    pw.lift = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=2)
    pw.door = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="入户大门消毒", frequency=1)
    services.apply_template(actor=w.hq, template=pw.lift)
    services.apply_template(actor=w.hq, template=pw.door)
    services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a)
    pw.day = timezone.localdate()
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=pw.day, days=1)
    return pw


def test_responsible_user_for_building(pw):
    w = pw.w
    assert services.responsible_user_for_building(w.building_a) is None
    services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a)
    assert services.responsible_user_for_building(w.building_a) == w.cadre
    services.assign_building(actor=w.staff_a, building=w.building_a, staff=pw.staff_a_person)
    assert services.responsible_user_for_building(w.building_a) == w.staff_a
    assert services.responsible_user_for_building(w.building_b) is None


def test_bulk_assign_by_compound_and_unassigned_report(pw):
    w = pw.w
    for i in range(2, 6):
        Building.objects.create(
            subdistrict=w.sub, neighborhood=w.hood_a, compound=w.compound_a, name=f"{i}号"
        )
    assert reports.unassigned_buildings(w.hq).filter(neighborhood=w.hood_a).count() == 5
    n = services.assign_compound(actor=w.staff_a, compound=w.compound_a, cadre=pw.cadre_a)
    assert n == 5
    assert not reports.unassigned_buildings(w.hq).filter(neighborhood=w.hood_a).exists()
    assert set(reports.unassigned_buildings(w.hq)) == {w.building_b}
    # staff of A cannot assign B's compound
    with pytest.raises(PermissionDenied):
        services.assign_compound(actor=w.staff_a, compound=w.compound_b, cadre=pw.cadre_a)
    assert not BuildingAssignment.objects.filter(building=w.building_b).exists()


def test_assignment_needs_one_person(pw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assign_building(actor=pw.w.hq, building=pw.w.building_a)


def test_generation_counts_and_is_idempotent(rounds_world):
    pw = rounds_world
    # 2 buildings in the sub-district: elevator twice + door once
    assert CheckInRound.objects.filter(date=pw.day).count() == 2 * 3
    again = services.generate_rounds(actor=pw.w.hq, subdistrict=pw.w.sub, start=pw.day, days=1)
    assert again == 0
    assert CheckInRound.objects.filter(date=pw.day).count() == 6
    slot2 = CheckInRound.objects.get(building=pw.w.building_a, template=pw.lift, slot=2)
    assert timezone.localtime(slot2.due_at).time() == dt.time(20, 0)


def _make_buildings(w, n, tag):
    compound = Compound.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name=f"小区{tag}")
    Building.objects.bulk_create(
        [
            Building(subdistrict=w.sub, neighborhood=w.hood_a, compound=compound, name=f"{i}号")
            for i in range(n)
        ]
    )


def test_generation_query_count_does_not_grow(pw, django_assert_max_num_queries):
    w = pw.w
    for name in ("电梯消毒", "入户大门消毒", "楼梯扶手消毒"):
        services.create_task_template(actor=w.hq, subdistrict=w.sub, name=name, frequency=2)
    _make_buildings(w, 5, "S")
    for t in TaskTemplate.objects.all():
        services.apply_template(actor=w.hq, template=t)
    start = dt.date(2020, 2, 3)
    with django_assert_max_num_queries(3 * 2 * 2 + 8):
        n_small = services.generate_rounds(actor=None, subdistrict=w.sub, start=start, days=2)
    _make_buildings(w, 120, "L")
    for t in TaskTemplate.objects.all():
        services.apply_template(actor=w.hq, template=t)
    with django_assert_max_num_queries(3 * 2 * 2 + 8):
        n_large = services.generate_rounds(
            actor=None, subdistrict=w.sub, start=start + dt.timedelta(days=7), days=2
        )
    assert n_small == 7 * 3 * 2 * 2
    assert n_large == 127 * 3 * 2 * 2


def test_check_in_is_idempotent(rounds_world):
    pw = rounds_world
    rnd = CheckInRound.objects.get(building=pw.w.building_a, template=pw.door)
    first, created = services.check_in(actor=pw.w.cadre, checkin_round=rnd, note="已消毒")
    assert created and first.status == "done" and first.done_by == pw.w.cadre
    second, created_again = services.check_in(actor=pw.w.cadre, checkin_round=rnd, note="再次")
    assert not created_again
    assert CheckInRound.objects.get(pk=rnd.pk).note == "已消毒"


def test_cadre_not_in_charge_cannot_check_in(rounds_world):
    pw = rounds_world
    services.pair_cadre(actor=pw.w.hq, cadre=pw.cadre_b, point=pw.point_b)
    rnd = CheckInRound.objects.filter(building=pw.w.building_b).first()
    with pytest.raises(PermissionDenied):
        services.check_in(actor=pw.cadre_b_user, checkin_round=rnd)
    assert CheckInRound.objects.get(pk=rnd.pk).status == "pending"


def test_team_member_can_check_in(rounds_world):
    from fangkong.core.scope import clear_scope_cache
    from fangkong.core.testing import make_user
    from fangkong.registry.models import SupportCadre

    pw = rounds_world
    w = pw.w
    team = services.create_team(actor=w.hq, subdistrict=w.sub, name="安汾党群队", point=pw.point_a)
    services.add_team_member(actor=w.hq, team=team, cadre=pw.cadre_a, is_leader=True)
    services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a, team=team)
    services.pair_cadre(actor=w.hq, cadre=pw.cadre_b, point=pw.point_a)
    clear_scope_cache(pw.cadre_b_user)
    # paired to the neighborhood but neither in charge nor in the team
    assert not access.may_check_in(pw.cadre_b_user, w.building_a)
    services.add_team_member(actor=w.hq, team=team, cadre=pw.cadre_b)
    assert access.may_check_in(pw.cadre_b_user, w.building_a)
    rnd = CheckInRound.objects.filter(building=w.building_a).first()
    _r, created = services.check_in(actor=pw.cadre_b_user, checkin_round=rnd)
    assert created
    # a team member without scope over the building still may not
    outsider = make_user("cadre_c", "cadre", subdistrict=w.sub)
    third = SupportCadre.objects.create(subdistrict=w.sub, name="赵干部", department=w.dept, user=outsider)
    services.add_team_member(actor=w.hq, team=team, cadre=third)
    assert not access.may_check_in(outsider, w.building_a)


def _jpeg(w, h):
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, format="PNG")
    buf.seek(0)
    buf.name = "photo.png"
    return buf


def test_photo_is_resized_and_stored(rounds_world, tmp_path):
    pw = rounds_world
    rnd = CheckInRound.objects.get(building=pw.w.building_a, template=pw.door)
    with override_settings(MEDIA_ROOT=tmp_path):
        done, _ = services.check_in(actor=pw.w.cadre, checkin_round=rnd, photo=_jpeg(3000, 2000))
        stored = Image.open(done.photo.path)
        assert stored.format == "JPEG"
        assert max(stored.size) == 1280
        assert str(tmp_path) in done.photo.path


def test_bad_photo_changes_nothing(rounds_world, tmp_path):
    from django.core.exceptions import ValidationError

    pw = rounds_world
    rnd = CheckInRound.objects.get(building=pw.w.building_a, template=pw.door)
    with override_settings(MEDIA_ROOT=tmp_path), pytest.raises(ValidationError):
        services.check_in(actor=pw.w.cadre, checkin_round=rnd, photo=io.BytesIO(b"not an image"))
    assert CheckInRound.objects.get(pk=rnd.pk).status == "pending"


def test_overdue_detection_alerts_once(rounds_world, tmp_path):
    pw = rounds_world
    w = pw.w
    noon = timezone.make_aware(dt.datetime.combine(pw.day, dt.time(13, 0)))
    done = CheckInRound.objects.get(building=w.building_a, template=pw.door)
    services.check_in(actor=w.cadre, checkin_round=done)
    log = tmp_path / "notify.log"
    with override_settings(FANGKONG_NOTIFY_BACKENDS=["file"], FANGKONG_NOTIFY_FILE=str(log)):
        found = services.detect_overdue(now=noon)
    # at 13:00 only the elevator slot 1 (12:00) is past due
    assert {(r.building_id, r.slot) for r in found} == {(b.pk, 1) for b in (w.building_a, w.building_b)}
    assert CheckInRound.objects.filter(status="overdue").count() == 2
    assert CheckInRound.objects.get(pk=done.pk).status == "done"
    # the person in charge of building A and the committee staff of A and B are alerted
    assert Notification.objects.filter(recipient=w.cadre, kind="pairing.round_overdue").count() == 1
    assert Notification.objects.filter(recipient=w.staff_a, kind="pairing.round_overdue").count() == 1
    assert Notification.objects.filter(recipient=w.staff_b, kind="pairing.round_overdue").count() == 1
    # running again alerts nobody twice
    assert services.detect_overdue(now=noon) == []
    assert Notification.objects.filter(recipient=w.cadre).count() == 1


def test_overdue_writes_file_backend(rounds_world, tmp_path, django_capture_on_commit_callbacks):
    pw = rounds_world
    log = tmp_path / "notify.log"
    late = timezone.make_aware(dt.datetime.combine(pw.day, dt.time(23, 0)))
    with override_settings(FANGKONG_NOTIFY_BACKENDS=["file"], FANGKONG_NOTIFY_FILE=str(log)):
        with django_capture_on_commit_callbacks(execute=True):
            services.detect_overdue(now=late)
        # nothing is sent inside the request or job that raised the alert: the worker delivers it
        assert not log.exists()
        assert notify.deliver_pending() >= 1
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert any(m["recipient"] == "cadre" and "逾期" in m["subject"] for m in lines)


def test_check_overdue_command(rounds_world, capsys):
    CheckInRound.objects.update(due_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("check_overdue")
    assert "overdue rounds: 6 in 2 buildings" in capsys.readouterr().out
    assert CheckInRound.objects.filter(status="overdue").count() == 6


def test_reports_completion_and_missed(rounds_world):
    pw = rounds_world
    w = pw.w
    for rnd in CheckInRound.objects.filter(building=w.building_a):
        services.check_in(actor=w.cadre, checkin_round=rnd)
    table = {c.neighborhood.pk: c for c in reports.completion(w.hq, pw.day, pw.day)}
    assert table[w.hood_a.pk].days[pw.day] == (3, 3)
    assert table[w.hood_b.pk].days[pw.day] == (0, 3)
    late = timezone.make_aware(dt.datetime.combine(pw.day, dt.time(23, 0)))
    missed = list(reports.missed_today(w.hq, now=late))
    assert {r.building_id for r in missed} == {w.building_b.pk}
    staff_view = {c.neighborhood.pk for c in reports.completion(w.staff_a, pw.day, pw.day)}
    assert staff_view == {w.hood_a.pk}


def test_checkin_page_flow(rounds_world, as_persona):
    pw = rounds_world
    w = pw.w
    client = as_persona("cadre")
    url = reverse("pairing:checkin", args=[w.building_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "电梯消毒" in page.content.decode()
    rnd = CheckInRound.objects.get(building=w.building_a, template=pw.door)
    resp = client.post(url, {"round": rnd.pk, "note": "完成"})
    assert resp.status_code == 302
    assert CheckInRound.objects.get(pk=rnd.pk).status == "done"
    client.post(url, {"round": rnd.pk, "note": "again"})
    assert CheckInRound.objects.get(pk=rnd.pk).note == "完成"
    # outside scope: 404
    assert client.get(reverse("pairing:checkin", args=[w.building_b.pk])).status_code == 404
    other = CheckInRound.objects.filter(building=w.building_b).first()
    assert client.post(url, {"round": other.pk}).status_code == 404
    assert as_persona("anonymous").get(url).status_code == 302


def test_qr_poster_points_to_checkin(rounds_world, as_persona, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org"
    w = rounds_world.w
    resp = as_persona("staff_a").get(reverse("pairing:poster", args=[w.building_a.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200 and "<svg" in html
    assert f"https://fk.example.org/pairing/checkin/b/{w.building_a.pk}/" in html
    svg = as_persona("staff_a").get(reverse("pairing:building_qr", args=[w.building_a.pk]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.content  # renders as a standalone image
    assert as_persona("staff_a").get(reverse("pairing:poster", args=[w.building_b.pk])).status_code == 404


def test_building_qr_decodes_to_the_configured_base(rounds_world, as_persona, settings):
    """The poster and the standalone QR are full QR codes carrying the public base (not port 8000)."""
    from fangkong.core.testing import decode_qr_in_html, decode_qr_svg

    settings.FANGKONG_PUBLIC_BASE_URL = "http://127.0.0.1:8123"
    w = rounds_world.w
    expected = "http://127.0.0.1:8123" + reverse("pairing:checkin", args=[w.building_a.pk])
    poster = as_persona("staff_a").get(reverse("pairing:poster", args=[w.building_a.pk]))
    assert decode_qr_in_html(poster.content) == expected
    svg = as_persona("staff_a").get(reverse("pairing:building_qr", args=[w.building_a.pk]))
    assert decode_qr_svg(svg.content) == expected


def test_rounds_report_page_query_count(rounds_world, as_persona, django_assert_max_num_queries):
    client = as_persona("hq")
    with django_assert_max_num_queries(14):
        resp = client.get(reverse("pairing:rounds"))
    assert resp.status_code == 200
    _make_buildings(rounds_world.w, 40, "Q")
    services.apply_template(actor=rounds_world.w.hq, template=rounds_world.lift)
    services.generate_rounds(actor=None, subdistrict=rounds_world.w.sub, start=rounds_world.day, days=1)
    with django_assert_max_num_queries(14):
        client.get(reverse("pairing:rounds"))
