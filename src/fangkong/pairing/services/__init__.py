"""Every write of the pairing app. Views, API, CLI and the demo call these, through this package: its modules
follow the app's parts (lookups, points and pairings, teams, optimiser proposals, building assignment,
check-in rounds, duty rosters) and this module is their one door."""

from __future__ import annotations

from fangkong.pairing.services.buildings import (  # noqa: F401
    assign_building,
    assign_compound,
    unassign_building,
)
from fangkong.pairing.services.checkins import (  # noqa: F401
    apply_template,
    check_in,
    create_task_template,
    detect_overdue,
    generate_rounds,
    resize_photo,
)
from fangkong.pairing.services.lookups import (  # noqa: F401
    DEFAULT_RESPONSIBILITIES,
    DEFAULT_TASK_TEMPLATES,
    MAX_PHOTO_SIDE,
    MAX_ROSTER_DAYS,
    cadre_neighborhood_ids,
    responsible_user_for_building,
    responsible_users_for_buildings,
    settings_for,
)
from fangkong.pairing.services.points import (  # noqa: F401
    MAX_HOUSEHOLDS_PER_CADRE,
    MAX_POINTS_PER_CADRE,
    MAX_UNIT_REQUIRED,
    SETTINGS_FIELDS,
    add_unit_point,
    clean_affinity,
    end_pairing,
    ensure_points,
    pair_cadre,
    save_settings,
    set_point_requirement,
    update_pairing,
)
from fangkong.pairing.services.proposals import (  # noqa: F401
    accept_proposal,
    optimiser_input,
    propose_pairings,
    reject_proposal,
)
from fangkong.pairing.services.rosters import (  # noqa: F401
    add_duty_person,
    add_roster_assignment,
    create_roster,
    create_shift_template,
    decide_swap,
    duty_points,
    enrol_duty_person,
    publish_roster,
    record_leave,
    remove_roster_assignment,
    request_swap,
    roster_input,
    roster_warnings,
    solve_roster,
)
from fangkong.pairing.services.teams import (  # noqa: F401
    add_team_member,
    create_task,
    create_team,
    join_temporary_branch,
    remove_team_member,
    set_task_status,
    set_team_leader,
)
