"""Every write of the tickets app, through this package: partner units and their duty (``units``), tickets
and their state machine (``tickets``), the SLA sweep (``sla``)."""

from __future__ import annotations

from fangkong.tickets.services.sla import sweep_sla  # noqa: F401
from fangkong.tickets.services.tickets import (  # noqa: F401
    add_photo,
    advance,
    check_flat,
    check_flats,
    confirm_ticket,
    dispatch,
    move_ticket,
    open_ticket,
    open_ticket_now,
    record_consent,
    record_consent_now,
)
from fangkong.tickets.services.units import (  # noqa: F401
    DAY_AND_NIGHT,
    add_member,
    register_unit,
    set_kit_item,
    set_service,
    set_up_duty_roster,
    set_up_duty_roster_now,
)
