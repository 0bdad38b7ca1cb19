"""Demo data for 三结三定: the 100 cadres paired to the 34 neighborhoods and the listed units (through the
optimiser), teams, tasks, building assignments, the three daily check-in tasks with 14 days of rounds, and
a duty roster for the coming week at every neighborhood's gate, worked by the people paired there."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import F
from django.utils import timezone

from fangkong.core.choices import Role
from fangkong.core.models import User
from fangkong.pairing import services
from fangkong.pairing.choices import RoundStatus
from fangkong.pairing.models import CheckInRound, DutyPerson, Pairing, Point, ResponsibilityType, TaskTemplate
from fangkong.registry.models import (
    CommitteeStaff,
    Compound,
    Neighborhood,
    PartyBranch,
    Premises,
    SupportCadre,
    Volunteer,
)

TASKS = [("电梯消毒", 2, ["12:00", "20:00"]), ("入户大门消毒", 1, ["20:00"]), ("楼梯扶手消毒", 1, ["20:00"])]
RESPONSIBILITY_BY_KIND = {"neighborhood": "入户排查", "premises": "巡查", "organization": "联络"}
PAIRING_TASKS = ["协助口罩预约登记", "发放《疫情防控指南》", "返沪人员排摸", "小区门岗测温"]


def _actor(subdistrict: Any) -> Any:
    hq = User.objects.filter(subdistrict=subdistrict, role=Role.HQ, is_active=True).first()
    if hq is not None:
        return hq
    return User(username="demo", display_name="demo", is_superuser=True, subdistrict=subdistrict)


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    actor = _actor(subdistrict)
    today = timezone.localdate()
    services.ensure_points(actor=actor, subdistrict=subdistrict)
    premises = list(Premises.objects.filter(subdistrict=subdistrict).order_by("pk")[:22])
    for p in premises:
        if not Point.objects.filter(premises=p).exists():
            services.add_unit_point(actor=actor, subdistrict=subdistrict, premises=p)
    # pair the cadres through the optimiser, as the HQ would, and accept the proposal
    proposal = services.propose_pairings(actor=actor, subdistrict=subdistrict, time_limit=3.0)
    if proposal.status != "open" and proposal.solver_status == "unknown":
        # a busy machine can use up the short limit before the first solution: try once more, longer
        proposal = services.propose_pairings(actor=actor, subdistrict=subdistrict, time_limit=30.0)
    if proposal.status == "open":
        services.accept_proposal(actor=actor, proposal=proposal)
    responsibilities = {r.name: r for r in ResponsibilityType.objects.filter(subdistrict=subdistrict)}
    pairings = list(
        Pairing.objects.filter(subdistrict=subdistrict, active=True).select_related("point", "cadre")
    )
    for pairing in pairings:
        pairing.responsibility = responsibilities.get(RESPONSIBILITY_BY_KIND.get(pairing.point.kind, "联络"))
        pairing.responsibility_note = rng.choice(["", "负责楼组联络", "门岗值守", "协助居委排摸"])
    Pairing.objects.bulk_update(pairings, ["responsibility", "responsibility_note"])
    for pairing in pairings[:60]:
        services.create_task(
            actor=actor,
            pairing=pairing,
            title=rng.choice(PAIRING_TASKS),
            owner_name=pairing.cadre.name,
            recurrence="daily" if rng.random() < 0.5 else "none",
            due_date=today + dt.timedelta(days=rng.randrange(0, 7)),
        )
    branch = PartyBranch.objects.filter(subdistrict=subdistrict, is_temporary=True).first()
    if branch is not None:
        unbranched = SupportCadre.objects.filter(
            subdistrict=subdistrict, is_party_member=True, party_branch__isnull=True
        )
        services.join_temporary_branch(actor=actor, cadres=list(unbranched), branch=branch)
    # teams and building assignment in each neighborhood: the paired cadres take the compounds in turn
    by_hood: dict[int, list[SupportCadre]] = {}
    for pairing in pairings:
        if pairing.point.kind == "neighborhood" and pairing.neighborhood_id:
            by_hood.setdefault(pairing.neighborhood_id, []).append(pairing.cadre)
    hoods = list(Neighborhood.objects.filter(subdistrict=subdistrict).order_by("code", "pk"))
    staff_by_hood: dict[int, list[CommitteeStaff]] = {}
    for s in CommitteeStaff.objects.filter(subdistrict=subdistrict):
        staff_by_hood.setdefault(s.neighborhood_id, []).append(s)
    volunteers_by_hood: dict[int, list[Volunteer]] = {}
    for v in Volunteer.objects.filter(subdistrict=subdistrict, active=True, neighborhood__isnull=False):
        volunteers_by_hood.setdefault(v.neighborhood_id or 0, []).append(v)
    points = {
        p.neighborhood_id: p for p in Point.objects.filter(subdistrict=subdistrict, kind="neighborhood")
    }
    compounds = list(Compound.objects.filter(subdistrict=subdistrict).order_by("pk"))
    teams = {}
    for hood in hoods:
        cadres = by_hood.get(hood.pk, [])
        if not cadres:
            continue
        team = services.create_team(
            actor=actor, subdistrict=subdistrict, name=f"{hood.name}党群服务队", point=points.get(hood.pk)
        )
        services.add_team_member(actor=actor, team=team, cadre=cadres[0], is_leader=True)
        for c in cadres[1:]:
            services.add_team_member(actor=actor, team=team, cadre=c)
        for s in [s for s in staff_by_hood.get(hood.pk, []) if s.is_party_member][:2]:
            services.add_team_member(actor=actor, team=team, staff=s)
        for v in volunteers_by_hood.get(hood.pk, [])[:2]:
            services.add_team_member(actor=actor, team=team, volunteer=v)
        teams[hood.pk] = team
    turn: dict[int, int] = {}
    for i, compound in enumerate(compounds):
        cadres = by_hood.get(compound.neighborhood_id, [])
        staff = staff_by_hood.get(compound.neighborhood_id, [])
        if i % 25 == 24:
            continue  # a few compounds left unassigned: the coverage report shows them
        k = turn.get(compound.neighborhood_id, 0)
        turn[compound.neighborhood_id] = k + 1
        if cadres:
            services.assign_compound(
                actor=actor,
                compound=compound,
                cadre=cadres[k % len(cadres)],
                team=teams.get(compound.neighborhood_id),
            )
        elif staff:
            services.assign_compound(actor=actor, compound=compound, staff=staff[k % len(staff)])
    # the daily check-in rounds: 14 days of history and today
    for name, freq, deadlines in TASKS:
        template = TaskTemplate.objects.filter(subdistrict=subdistrict, name=name).first()
        if template is None:
            template = services.create_task_template(
                actor=actor, subdistrict=subdistrict, name=name, frequency=freq, deadlines=deadlines
            )
        services.apply_template(actor=actor, template=template)
    services.generate_rounds(
        actor=actor, subdistrict=subdistrict, start=today - dt.timedelta(days=13), days=14
    )
    past = list(
        CheckInRound.objects.filter(subdistrict=subdistrict, date__lt=today).values_list(
            "pk", "neighborhood_id"
        )
    )
    diligence = {h.pk: rng.uniform(0.75, 1.0) for h in hoods}
    done_ids = [pk for pk, hood_id in past if rng.random() < diligence.get(hood_id, 0.9)]
    for i in range(0, len(done_ids), 900):
        CheckInRound.objects.filter(pk__in=done_ids[i : i + 900]).update(
            status=RoundStatus.DONE, done_at=F("due_at") - dt.timedelta(hours=2)
        )
    CheckInRound.objects.filter(subdistrict=subdistrict, date__lt=today, status=RoundStatus.PENDING).update(
        status=RoundStatus.OVERDUE, overdue_notified_at=F("due_at")
    )
    morning = list(
        CheckInRound.objects.filter(subdistrict=subdistrict, date=today, slot=1).values_list("pk", flat=True)
    )
    early = [pk for pk in morning if rng.random() < 0.4]
    for i in range(0, len(early), 900):
        CheckInRound.objects.filter(pk__in=early[i : i + 900]).update(
            status=RoundStatus.DONE, done_at=timezone.now() - dt.timedelta(minutes=30)
        )
    _due_soon(subdistrict)
    _seed_roster(subdistrict, actor, hoods, points, by_hood, staff_by_hood, volunteers_by_hood, today)


DUE_SOON_MINUTES = 3


def _due_soon(subdistrict: Any) -> None:
    """Three of today's pending rounds in the first neighborhood (the demo committee account's) fall due a
    few minutes after the demo is built, so that a fresh demo shows an overdue check-in alert in the inbox
    by itself (the worker sweeps every five minutes), whatever the time of day."""
    hood = Neighborhood.objects.filter(subdistrict=subdistrict).order_by("code").first()
    rounds = CheckInRound.objects.filter(subdistrict=subdistrict, status=RoundStatus.PENDING)
    if hood is not None:
        rounds = rounds.filter(neighborhood=hood)
    soon = list(rounds.order_by("date", "pk").values_list("pk", flat=True)[:3])
    CheckInRound.objects.filter(pk__in=soon).update(
        due_at=timezone.now() + dt.timedelta(minutes=DUE_SOON_MINUTES)
    )


def _seed_roster(
    subdistrict, actor, hoods, points, by_hood, staff_by_hood, volunteers_by_hood, today
) -> None:  # type: ignore[no-untyped-def]
    """A week's gate duty at every neighborhood, by the cadres paired there, its committee staff and its
    volunteers (the roster keeps each person at their own points); where cadres are paired, they also
    staff the booking desk on weekdays."""
    T = dt.time
    templates = []
    people: list[DutyPerson] = []
    for hood in hoods:
        point = points.get(hood.pk)
        if point is None:
            continue
        cadres = by_hood.get(hood.pk, [])
        templates.append(
            services.create_shift_template(
                actor=actor, point=point, name="小区门岗白班", start_time=T(7), end_time=T(19), head_count=1
            )
        )
        templates.append(
            services.create_shift_template(
                actor=actor, point=point, name="小区门岗夜班", start_time=T(19), end_time=T(7), head_count=1
            )
        )
        if cadres:
            templates.append(
                services.create_shift_template(
                    actor=actor,
                    point=point,
                    name="口罩预约登记台",
                    start_time=T(9),
                    end_time=T(16),
                    head_count=1,
                    required_skill="信息录入",
                    weekdays=[0, 1, 2, 3, 4],
                )
            )
        for cadre in cadres:
            people.append(
                services.add_duty_person(actor=actor, subdistrict=subdistrict, cadre=cadre, skills="信息录入")
            )
        for s in staff_by_hood.get(hood.pk, [])[:4]:
            people.append(services.add_duty_person(actor=actor, subdistrict=subdistrict, staff=s))
        for v in volunteers_by_hood.get(hood.pk, [])[:4]:
            people.append(services.add_duty_person(actor=actor, subdistrict=subdistrict, volunteer=v))
    if not templates:
        return
    start = today + dt.timedelta(days=1)
    roster = services.create_roster(
        actor=actor,
        subdistrict=subdistrict,
        name="联防联控值班表（下周）",
        start_date=start,
        end_date=start + dt.timedelta(days=6),
        templates=templates,
        people=people,
        max_shifts_per_week=5,
    )
    services.solve_roster(actor=actor, roster=roster, time_limit=3.0)
    roster.refresh_from_db()
    if roster.solver_status not in ("optimal", "feasible"):
        # as above: on a busy machine the short limit can pass before the first roster is found
        services.solve_roster(actor=actor, roster=roster, time_limit=30.0)
