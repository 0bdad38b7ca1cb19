"""What a cadre or committee worker sees of their own work: tasks (mine first), buildings and shifts,
the duty calendar with its QR code; controls offered only when the view accepts them; solver words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from fangkong.pairing import services
from fangkong.pairing.choices import solver_label
from fangkong.pairing.models import PairingProposal, ProposalItem, RosterAssignment

pytestmark = pytest.mark.django_db

T = dt.time


@pytest.fixture
def work(pw):
    w = pw.w
    # 李科员 (another cadre) is paired to 安汾 too: the world's cadre can see that pairing's task
    pw.pairing_b = services.pair_cadre(actor=w.hq, cadre=pw.cadre_b, point=pw.point_a)
    pw.own_task = services.create_task(
        actor=w.hq, pairing=pw.pairing_a, title="我的巡查", owner_name="张老师", recurrence="daily"
    )
    pw.other_task = services.create_task(
        actor=w.hq, pairing=pw.pairing_b, title="别人的巡查", owner_name="李科员", recurrence="daily"
    )
    services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a)
    gate = services.create_shift_template(
        actor=w.hq, point=pw.point_a, name="门岗", start_time=T(7), end_time=T(19)
    )
    pw.duty_a = services.add_duty_person(actor=w.hq, subdistrict=w.sub, cadre=pw.cadre_a)
    today = timezone.localdate()
    pw.roster = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="安汾门岗",
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        templates=[gate],
        people=[pw.duty_a],
        neighborhood=w.hood_a,
    )
    pw.shift, _w = services.add_roster_assignment(
        actor=w.hq, roster=pw.roster, template=gate, person=pw.duty_a, day=today + dt.timedelta(days=1)
    )
    return pw


def test_cadre_tasks_are_mine_by_default_with_a_switch_to_all(work, as_persona):
    client = as_persona("cadre")
    html = client.get(reverse("pairing:tasks")).content.decode()
    assert "我的巡查" in html and "别人的巡查" not in html
    everything = client.get(reverse("pairing:tasks") + "?who=all").content.decode()
    assert "我的巡查" in everything and "别人的巡查" in everything


def test_cadre_is_offered_the_status_control_of_own_tasks_only(work, as_persona):
    client = as_persona("cadre")
    html = client.get(reverse("pairing:tasks") + "?who=all").content.decode()
    assert reverse("pairing:task_status", args=[work.own_task.pk]) in html
    assert reverse("pairing:task_status", args=[work.other_task.pk]) not in html
    # the view agrees: the other cadre's task cannot be changed
    resp = client.post(
        reverse("pairing:task_status", args=[work.other_task.pk]),
        {"status": "done", "version": work.other_task.version},
    )
    assert resp.status_code == 404
    assert 'onchange="' not in html  # no inline script: the select submits through pairing.js


def test_manager_sees_every_task_with_controls(work, as_persona):
    html = as_persona("staff_a").get(reverse("pairing:tasks")).content.decode()
    assert reverse("pairing:task_status", args=[work.own_task.pk]) in html
    assert reverse("pairing:task_status", args=[work.other_task.pk]) in html


def test_cadre_sees_own_buildings_and_shifts_first(work, as_persona):
    html = as_persona("cadre").get(reverse("pairing:tasks")).content.decode()
    assert 'id="my-buildings"' in html and 'id="my-shifts"' in html
    assert html.index('id="my-buildings"') < html.index('id="task-list"')
    assert reverse("pairing:checkin", args=[work.w.building_a.pk]) in html
    assert "门岗" in html[html.index('id="my-shifts"') : html.index('id="task-list"')]


def test_roster_and_person_pages_show_the_calendar_link_and_qr(work, as_persona, settings):
    url = settings.FANGKONG_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "pairing:ical", args=[work.duty_a.calendar_token]
    )
    client = as_persona("cadre")
    for page in (
        reverse("pairing:rosters"),
        reverse("pairing:roster", args=[work.roster.pk]),
        reverse("pairing:duty_person", args=[work.duty_a.pk]),
    ):
        html = client.get(page).content.decode()
        assert 'id="calendar-card"' in html and url in html, page
        assert "<svg" in html[html.index('id="calendar-card"') :], page
    person = client.get(reverse("pairing:duty_person", args=[work.duty_a.pk])).content.decode()
    assert 'id="person-shifts"' in person and work.shift.starts_at.astimezone().strftime("%m-%d") in person


def test_person_page_for_the_person_and_managers_only(work, as_persona):
    url = reverse("pairing:duty_person", args=[work.duty_a.pk])
    assert as_persona("hq").get(url).status_code == 200
    assert as_persona("staff_a").get(url).status_code == 200
    assert as_persona("cadre").get(url).status_code == 200
    assert as_persona("org_contact").get(url).status_code == 404
    other = services.add_duty_person(actor=work.w.hq, subdistrict=work.w.sub, cadre=work.cadre_b)
    assert as_persona("cadre").get(reverse("pairing:duty_person", args=[other.pk])).status_code == 404
    anon = as_persona("anonymous").get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_solver_status_in_words():
    assert solver_label("optimal") == "最优"
    assert solver_label("feasible", 0.1234) == "可行（差距 12.3%）"
    assert solver_label("feasible", 0.5) == "可行（差距 50%）"
    assert solver_label("infeasible") == "无可行解"
    with translation.override("en"):
        assert solver_label("optimal") == "Optimal"
        assert solver_label("feasible", 0.05) == "Feasible (gap 5%)"


def _proposal(pw, items, status="optimal", gap=0.0):
    proposal = PairingProposal.objects.create(
        subdistrict=pw.w.sub, solver_status=status, gap=gap, params={"cadres": 1, "points": 1, "required": 1}
    )
    for action, args in items:
        ProposalItem.objects.create(
            proposal=proposal, cadre=pw.cadre_a, point=pw.point_a, action=action, reason_args=args
        )
    return proposal


def test_proposal_without_changes_says_so(pw, as_persona):
    proposal = _proposal(pw, [("keep", [["keep", {"p": "安汾居民区"}]])])
    html = as_persona("hq").get(reverse("pairing:proposal", args=[proposal.pk])).content.decode()
    assert 'id="no-changes"' in html and "无需调整" in html
    assert 'id="proposal-changes"' not in html and "全部采纳" not in html
    assert "最优" in html and ">optimal<" not in html


def test_proposal_lists_changes_and_its_gap_in_words(pw, as_persona):
    proposal = _proposal(
        pw, [("add", [["fill", {"p": "安汾居民区", "n": 2}]]), ("keep", [])], status="feasible", gap=0.25
    )
    html = as_persona("hq").get(reverse("pairing:proposal", args=[proposal.pk])).content.decode()
    assert 'id="proposal-changes"' in html and 'id="no-changes"' not in html
    assert "可行（差距 25%）" in html
    assert "补足「安汾居民区」的人手（需要 2 名）。" in html


def test_optimiser_reasons_in_the_readers_language(pw):
    item = ProposalItem(
        cadre=pw.cadre_a,
        point=pw.point_a,
        action="add",
        reason="旧文本",
        reason_args=[["affinity", {"dept_kind": "market_regulation", "kind": "premises", "p": "江湾商务楼"}]],
    )
    assert item.reason_display == "市场监管对口楼宇园区，派往「江湾商务楼」。"
    with translation.override("en"):
        english = item.reason_display
    assert "江湾商务楼" in english and "对口" not in english and "sent to" in english
    assert ProposalItem(reason="旧文本").reason_display == "旧文本"


def test_heat_map_marks_today_and_scrolls_there_without_inline_script(pw, as_persona):
    html = as_persona("hq").get(reverse("pairing:rounds")).content.decode()
    assert "data-scroll-today" in html and "data-today" in html
    assert "js/pairing.js" in html
    head = html[html.index('id="heat-wrap"') :]
    assert head.index("data-today") > 0


def test_roster_solve_message_in_words(pw, as_persona):
    roster = services.create_roster(
        actor=pw.w.hq,
        subdistrict=pw.w.sub,
        name="x",
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        templates=[
            services.create_shift_template(
                actor=pw.w.hq, point=pw.point_a, name="门岗", start_time=T(7), end_time=T(19)
            )
        ],
        people=[services.add_duty_person(actor=pw.w.hq, subdistrict=pw.w.sub, cadre=pw.cadre_a)],
        neighborhood=pw.w.hood_a,
    )
    client = as_persona("hq")
    resp = client.post(reverse("pairing:roster", args=[roster.pk]), {"action": "solve", "time_limit": 5})
    # the solve is a long task: the request queues it and shows its progress; the worker solves
    from fangkong.core import longtasks
    from fangkong.core.models import LongTask, Notification

    task = LongTask.objects.get(kind="pairing.roster")
    assert resp.status_code == 302 and resp["Location"] == f"/io/tasks/{task.pk}/"
    assert not RosterAssignment.objects.filter(roster=roster).exists()
    assert "排队中" in client.get(resp["Location"]).content.decode()
    longtasks.run(str(task.pk))
    assert RosterAssignment.objects.filter(roster=roster).count() == 1
    note = Notification.objects.get(recipient=pw.w.hq, kind="core.task")
    assert "排班完成（最优）" in note.subject and note.link == f"/pairing/rosters/{roster.pk}/"
    html = client.get(resp["Location"]).content.decode()
    assert "已完成" in html and note.link in html and "optimal" not in html


def test_a_person_on_a_sub_district_roster_sees_it_without_its_controls(work, as_persona):
    """The demo roster spans the sub-district: the cadre on it opens it from 我的值班, read-only."""
    w = work.w
    gate = services.create_shift_template(
        actor=w.hq, point=work.point_a, name="夜岗", start_time=T(19), end_time=T(7)
    )
    roster = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="全街道值班表",
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        templates=[gate],
        people=[work.duty_a],
    )
    client = as_persona("cadre")
    assert "全街道值班表" in client.get(reverse("pairing:rosters")).content.decode()
    url = reverse("pairing:roster", args=[roster.pk])
    html = client.get(url).content.decode()
    assert "全街道值班表" in html
    assert 'value="solve"' not in html and 'value="publish"' not in html
    assert client.post(url, {"action": "solve"}).status_code == 404
    assert client.post(url, {"action": "publish"}).status_code == 404
    # staff of A manage A's rosters but not the sub-district's: not on it, they do not see it
    assert as_persona("staff_a").get(url).status_code == 404
    hq = as_persona("hq").get(url).content.decode()
    assert 'value="solve"' in hq and 'value="publish"' in hq
