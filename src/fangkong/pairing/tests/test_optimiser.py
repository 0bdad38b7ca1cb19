"""The pairing optimiser against an independent checker and brute force on small generated instances."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.models import AuditEvent
from fangkong.pairing import services
from fangkong.pairing.checks import pairing_violations
from fangkong.pairing.models import Pairing, PairingProposal, Point
from fangkong.pairing.optimiser import (
    CHANGE_WEIGHT,
    CadreIn,
    PairingRules,
    PointIn,
    check_capacity,
    solve_pairing,
)


@st.composite
def instances(draw):
    n_hoods = draw(st.integers(1, 3))
    n_points = draw(st.integers(1, 3))
    points = []
    for pid in range(1, n_points + 1):
        kind = draw(st.sampled_from(["neighborhood", "premises"]))
        hood = draw(st.integers(1, n_hoods)) if kind == "neighborhood" else draw(st.sampled_from([None, 1]))
        points.append(PointIn(pid, f"P{pid}", kind, hood, draw(st.integers(0, 3))))
    cadres = []
    for cid in range(1, draw(st.integers(1, 5)) + 1):
        current = frozenset(draw(st.sets(st.integers(1, n_points), max_size=2)))
        cadres.append(
            CadreIn(
                cid,
                f"C{cid}",
                draw(st.sampled_from(["education", "market_regulation", "other"])),
                home_neighborhood_id=draw(st.sampled_from([None, *range(1, n_hoods + 1)])),
                current_points=current,
            )
        )
    rules = PairingRules(
        max_points_per_cadre=draw(st.integers(1, 2)),
        avoid_home_neighborhood=draw(st.booleans()),
    )
    return cadres, points, rules


def _independent_cost(cadres, points, rules, assignment):
    """The objective recomputed from its definition: changes, affinity misfit and the largest surplus."""
    by_point = {p.id: p for p in points}
    cost = 0
    for c in cadres:
        chosen = set(assignment.get(c.id, []))
        cost += CHANGE_WEIGHT * len(chosen ^ set(c.current_points))
        for pid in chosen:
            cost += 3 - rules.affinity_of(c.dept_kind, by_point[pid].kind)
    counts = {p.id: 0 for p in points}
    for pids in assignment.values():
        for pid in pids:
            counts[pid] += 1
    cost += 2 * max(counts[p.id] - p.required for p in points)
    return cost


def _brute_force(cadres, points, rules):
    """Every assignment that keeps the hard rules, with its cost (None if there is none)."""
    options = []
    for _c in cadres:
        opts = []
        for k in range(1, rules.max_points_per_cadre + 1):
            opts += [list(s) for s in itertools.combinations([p.id for p in points], k)]
        options.append(opts)
    best = None
    for combo in itertools.product(*options):
        assignment = {c.id: combo[i] for i, c in enumerate(cadres)}
        if pairing_violations(cadres, points, rules, assignment):
            continue
        cost = _independent_cost(cadres, points, rules, assignment)
        best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_keeps_every_hard_rule_and_is_optimal(instance):
    cadres, points, rules = instance
    result = solve_pairing(cadres, points, rules, time_limit=5, workers=2)
    best = _brute_force(cadres, points, rules)
    if result.ok:
        assert pairing_violations(cadres, points, rules, result.assignment) == []
        assert best is not None
        if result.status == "optimal":
            assert _independent_cost(cadres, points, rules, result.assignment) == best
            assert result.objective == pytest.approx(best)
            assert result.gap == 0
        assert set(result.reasons) == {c.id for c in cadres}
    else:
        assert result.status == "infeasible"
        assert result.explanation
        assert best is None, "the solver called a feasible instance infeasible"


def test_capacity_shortfall_named_before_solving():
    points = [PointIn(i, f"居民区{i}", "neighborhood", i, 3 if i <= 26 else 4) for i in range(1, 35)]
    assert sum(p.required for p in points) == 110
    cadres = [CadreIn(i, f"干部{i}") for i in range(100)]
    problems = check_capacity(cadres, points, PairingRules())
    assert problems[0] == "34 个点位需要 110 名干部，现有 100 名。"
    result = solve_pairing(cadres, points, PairingRules(), time_limit=1)
    assert result.status == "infeasible" and "110" in result.explanation and result.seconds == 0.0


def test_home_rule_shortfall_names_the_point():
    points = [PointIn(1, "安汾居民区", "neighborhood", 1, 2), PointIn(2, "新南居民区", "neighborhood", 2, 1)]
    cadres = [
        CadreIn(1, "甲", home_neighborhood_id=1),
        CadreIn(2, "乙", home_neighborhood_id=1),
        CadreIn(3, "丙"),
    ]
    problems = check_capacity(cadres, points, PairingRules(max_points_per_cadre=2))
    assert any("安汾居民区" in p and "只有 1 名可派" in p for p in problems)
    relaxed = solve_pairing(
        cadres, points, PairingRules(max_points_per_cadre=2, avoid_home_neighborhood=False)
    )
    assert relaxed.ok


def test_empty_inputs_explained():
    assert "没有在列的点位" in check_capacity([CadreIn(1, "甲")], [], PairingRules())[0]
    assert (
        "没有在岗的下沉干部" in check_capacity([], [PointIn(1, "A", "neighborhood", 1, 1)], PairingRules())[0]
    )


def test_rerun_changes_nothing_when_current_pairings_are_fine():
    points = [PointIn(1, "A", "neighborhood", 1, 1), PointIn(2, "B", "neighborhood", 2, 1)]
    cadres = [
        CadreIn(1, "甲", current_points=frozenset({2})),
        CadreIn(2, "乙", current_points=frozenset({1})),
    ]
    result = solve_pairing(cadres, points, PairingRules())
    assert result.assignment == {1: [2], 2: [1]}
    assert "保留原结对" in result.reasons[1]


def test_affinity_sends_market_regulation_to_premises():
    points = [PointIn(1, "居民区", "neighborhood", 1, 1), PointIn(2, "商务楼", "premises", None, 1)]
    cadres = [
        CadreIn(1, "市场", "market_regulation", "市场监管"),
        CadreIn(2, "教师", "education", "教育系统"),
    ]
    result = solve_pairing(cadres, points, PairingRules())
    assert result.assignment == {1: [2], 2: [1]}
    assert "市场监管对口" in result.reasons[1]


# ---------------------------------------------------------------- proposals as a service and a page


@pytest.mark.django_db
def test_propose_and_accept_partly(pw, as_persona):
    from fangkong.registry.models import SupportCadre

    w = pw.w
    SupportCadre.objects.create(subdistrict=w.sub, name="周干部", department=pw.market)
    proposal = services.propose_pairings(actor=w.hq, subdistrict=w.sub, time_limit=5)
    assert proposal.status == "open" and proposal.solver_status in ("optimal", "feasible")
    adds = list(proposal.items.filter(action="add"))
    assert adds, "cadre B has no point yet and must get one"
    services.accept_proposal(actor=w.hq, proposal=proposal, item_ids=[adds[0].pk])
    proposal.refresh_from_db()
    assert Pairing.objects.filter(
        cadre=adds[0].cadre, point=adds[0].point, active=True, source="optimiser"
    ).exists()
    assert AuditEvent.objects.filter(object_type="pairing.pairingproposal", action="action").exists()
    client = as_persona("hq")
    assert client.get(f"/pairing/optimiser/{proposal.pk}/").status_code == 200
    client.post(f"/pairing/optimiser/{proposal.pk}/", {"action": "accept_all"})
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    # cadre B lives in A: never sent there
    assert not Pairing.objects.filter(cadre=pw.cadre_b, point=pw.point_a, active=True).exists()


@pytest.mark.django_db
def test_infeasible_proposal_is_stored_with_reason(pw):
    w = pw.w
    Point.objects.filter(pk=pw.point_b.pk).update(required_count=30)
    proposal = services.propose_pairings(actor=w.hq, subdistrict=w.sub, time_limit=2)
    assert proposal.status == "infeasible"
    assert "3 个点位需要 32 名干部，现有 2 名" in proposal.explanation
    assert not proposal.items.exists()


@pytest.mark.django_db
def test_optimiser_pages_hq_only(pw, as_persona):
    proposal = PairingProposal.objects.create(subdistrict=pw.w.sub)
    for persona in ("staff_a", "cadre", "org_contact"):
        assert as_persona(persona).get("/pairing/optimiser/").status_code == 404
        assert as_persona(persona).get(f"/pairing/optimiser/{proposal.pk}/").status_code == 404
    assert as_persona("anonymous").get("/pairing/optimiser/").status_code == 302
    assert as_persona("hq").get("/pairing/optimiser/").status_code == 200
    other = PairingProposal.objects.create(subdistrict=pw.w.other_sub)
    assert as_persona("hq").get(f"/pairing/optimiser/{other.pk}/").status_code == 404
    resp = as_persona("hq").post("/pairing/optimiser/", {"time_limit": "3"})
    assert resp.status_code == 302


@pytest.mark.django_db
def test_the_optimiser_runs_as_a_long_task(pw, as_persona):
    """The request queues the solve and shows its progress; the worker solves; the inbox links the proposal."""
    from fangkong.core import longtasks
    from fangkong.core.models import LongTask, Notification

    client = as_persona("hq")
    resp = client.post("/pairing/optimiser/", {"time_limit": "3"})
    task = LongTask.objects.get(kind="pairing.propose")
    assert resp["Location"] == f"/io/tasks/{task.pk}/" and not PairingProposal.objects.exists()
    assert task.params == {"subdistrict_id": pw.w.sub.pk, "time_limit": 3.0}
    page = client.get(resp["Location"]).content.decode()
    assert "排队中" in page and "求解上限 3 秒" in page and "已用" not in page  # queued: no time used yet
    assert client.post("/pairing/optimiser/", {"time_limit": "3"})["Location"] == resp["Location"]
    longtasks.run(str(task.pk))
    proposal = PairingProposal.objects.get()
    note = Notification.objects.get(recipient=pw.w.hq, kind="core.task")
    assert note.link == f"/pairing/optimiser/{proposal.pk}/" and "结对" in note.subject
    assert note.link in client.get(resp["Location"]).content.decode()
