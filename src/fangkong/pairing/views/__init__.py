"""Pages of the pairing app. Scoped reads go through visible_to(user); out of scope answers 404. The modules
follow the app's parts (board and points, teams, optimiser, building assignment, check-in rounds, duty
rosters); urls.py reaches every view through this package."""

from __future__ import annotations

from fangkong.pairing.views.board import (  # noqa: F401
    add_unit,
    board,
    pairing_edit,
    point_detail,
    sync_points,
    task_create,
    task_status,
    tasks,
)
from fangkong.pairing.views.buildings import (  # noqa: F401
    buildings,
)
from fangkong.pairing.views.checkins import (  # noqa: F401
    building_poster,
    building_qr,
    checkin,
    checkin_url,
    rounds,
)
from fangkong.pairing.views.optimiser import (  # noqa: F401
    optimiser,
    optimiser_settings,
    proposal_detail,
)
from fangkong.pairing.views.rosters import (  # noqa: F401
    calendar_card,
    duty_person,
    ical,
    ical_url,
    roster_detail,
    roster_setup,
    rosters,
)
from fangkong.pairing.views.teams import (  # noqa: F401
    branch,
    team_detail,
    teams,
)
