"""Who may do what in the pairing app: named predicates that views, the API, services and templates all ask.

A predicate answers a yes/no question about a user (and an object); a ``require_*`` raises PermissionDenied
with a Chinese message. Reads are scoped by ``Model.objects.visible_to(user)``; these predicates decide what
a user may *do* with what they can see, so a page renders a control only when its view would accept it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.core import services as core_services
from fangkong.core.choices import Role
from fangkong.core.exceptions import ScopeError
from fangkong.core.scope import covers_neighborhood

MANAGER_ROLES = {Role.HQ, Role.OFFICE, Role.STAFF}
READ_ROLES = {Role.HQ, Role.OFFICE, Role.STAFF, Role.CADRE, Role.AUDITOR, Role.DISTRICT_VIEWER}
WORK_ROLES = {Role.HQ, Role.OFFICE, Role.STAFF, Role.CADRE}


def _role(user: Any) -> Any:
    return getattr(user, "role", None)


def is_hq(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or _role(user) == Role.HQ)


def is_hq_or_office(user: Any) -> bool:
    return is_hq(user) or _role(user) == Role.OFFICE


def is_manager(user: Any) -> bool:
    """HQ, offices with the pairing domain, and committee staff manage pairings in their scope."""
    if getattr(user, "is_superuser", False):
        return True
    return _role(user) in MANAGER_ROLES and not getattr(user, "is_read_only", False)


def may_read(user: Any) -> bool:
    """The pairing pages are for the HQ, offices, committee staff, cadres, auditors and district viewers."""
    return bool(getattr(user, "is_superuser", False) or _role(user) in READ_ROLES)


def may_work(user: Any) -> bool:
    """Buildings, check-ins and rosters are for those who work them (no read-only roles)."""
    return bool(getattr(user, "is_superuser", False) or _role(user) in WORK_ROLES)


def require_hq(user: Any) -> None:
    if not is_hq(user):
        raise PermissionDenied(_("只有指挥部可以执行此操作。"))


def require_hq_or_office(user: Any) -> None:
    if not is_hq_or_office(user):
        raise PermissionDenied(_("只有指挥部可以执行此操作。"))


def require_manager(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def check_scope(actor: Any, obj: Any) -> None:
    """PermissionDenied unless ``actor`` may write rows of ``obj``'s sub-district and neighborhood."""
    try:
        core_services.check_write_scope(actor, obj)
    except ScopeError:
        raise PermissionDenied(_("超出您的管理范围。"))


# ------------------------------------------------------------------ tasks


def owns_task(user: Any, task: Any) -> bool:
    """The task belongs to a pairing of the user's own (as the paired cadre)."""
    pk = getattr(user, "pk", None)
    pairing = task.pairing if task.pairing_id else None
    return bool(pk and pairing is not None and pairing.cadre.user_id == pk)


def may_set_task_status(user: Any, task: Any) -> bool:
    """A manager sets the status of any task they can see; a cadre only of their own pairing's tasks."""
    return is_manager(user) or owns_task(user, task)


# ------------------------------------------------------------------ buildings and check-ins


def may_check_in(user: Any, building: Any) -> bool:
    """The person in charge, their team, the neighborhood's committee staff and the HQ may check in."""
    from fangkong.pairing.models import BuildingAssignment, TeamMember

    if not covers_neighborhood(user, building.subdistrict_id, building.neighborhood_id):
        return False
    if is_manager(user):
        return not getattr(user, "is_read_only", False)
    if _role(user) != Role.CADRE:
        return False
    row = BuildingAssignment.objects.filter(building=building).select_related("cadre", "staff").first()
    if row is None:
        return False
    if row.cadre and row.cadre.user_id == user.pk:
        return True
    if row.team_id:
        return TeamMember.objects.filter(
            Q(cadre__user=user) | Q(staff__user=user), team_id=row.team_id
        ).exists()
    return False


def may_check_in_own(user: Any, assignment: Any) -> bool:
    """``may_check_in`` for a building the user is in charge of as its cadre (a ``BuildingAssignment`` of
    theirs, cadre loaded): the same answer without a query, for the lists of one's own buildings."""
    if not covers_neighborhood(user, assignment.subdistrict_id, assignment.neighborhood_id):
        return False
    if is_manager(user):
        return not getattr(user, "is_read_only", False)
    if _role(user) != Role.CADRE:
        return False
    return bool(assignment.cadre_id and assignment.cadre.user_id == user.pk)


# ------------------------------------------------------------------ rosters


def may_edit_roster(user: Any, roster: Any) -> bool:
    """Managers edit a neighborhood's roster in their scope; a sub-district roster is the HQ's or office's."""
    if not is_manager(user):
        return False
    if not roster.neighborhood_id:
        return is_hq_or_office(user)
    try:
        core_services.check_write_scope(user, roster)
    except ScopeError:
        return False
    return True


def require_roster_edit(user: Any, roster: Any) -> None:
    require_manager(user)
    if roster.neighborhood_id:
        check_scope(user, roster)
    else:
        require_hq_or_office(user)


def is_duty_person(user: Any, person: Any) -> bool:
    """``person`` (a DutyPerson) is the user themself, as cadre or committee worker."""
    pk = getattr(user, "pk", None)
    if not pk:
        return False
    return bool(
        (person.cadre_id and person.cadre.user_id == pk) or (person.staff_id and person.staff.user_id == pk)
    )


def may_see_calendar(user: Any, person: Any) -> bool:
    """The person's duty page and calendar link (a secret) are for them and for managers who see them."""
    return is_manager(user) or is_duty_person(user, person)


# Apps above pairing whose people are rostered without a cadre or committee-worker record (a partner unit's
# duty people, in tickets) register how a user's own duty person is found: a function of the user giving a
# condition on DutyPerson. Registered in the app's AppConfig.ready().
OWN_PERSON_CONDITIONS: list[Callable[[Any], Q]] = []


def own_person_condition(user: Any) -> Q:
    """The condition on DutyPerson that picks the user's own duty person (as cadre, committee worker, or
    through a registered app)."""
    condition = Q(cadre__user=user) | Q(staff__user=user)
    for extra in OWN_PERSON_CONDITIONS:
        condition |= extra(user)
    return condition


def may_request_swap(user: Any, first: Any, second: Any) -> bool:
    """Managers request any swap; others only for a swap that involves one of their own shifts."""
    from fangkong.pairing.models import DutyPerson

    if is_manager(user):
        return True
    return (
        DutyPerson.objects.filter(pk__in=[first.person_id, second.person_id])
        .filter(own_person_condition(user))
        .exists()
    )
