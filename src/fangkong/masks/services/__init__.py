"""Every write of the mask reservations. Views, API, CLI and the demo call these, through this package: its
modules follow the app's parts (rounds and pickup sites, stock, allocation, the lottery, booking, pickup and
forfeits, the ledger's reconciliation) and this module is their one door. Allocation's rules, shared by
its three paths, are ``allocation``'s."""

from __future__ import annotations

from fangkong.masks.services.allocation import (  # noqa: F401
    REPICKUP_DAYS,
    REPICKUP_SOON,
    SLOT_ORDER,
    VOUCHER_NOTE,
    allocate_waiting,
    allocated_entry,
    claim_waiting,
    ledger,
    locked_balance,
    notify_voucher,
    offered_slots,
    site_ids,
    try_allocate_one,
    voucher_expiry,
    voucher_message,
)
from fangkong.masks.services.booking import (  # noqa: F401
    NOT_FOUND,
    AddressBooked,
    BookingResult,
    RateLimited,
    book_at_desk,
    book_public,
    booker_of,
    booking_by_token,
    booking_token,
    ensure_open,
    find_booking,
    queue_place,
    review_booking,
)
from fangkong.masks.services.lottery import (  # noqa: F401
    draw_lottery,
    lottery_digest,
    lottery_order,
)
from fangkong.masks.services.pickup import (  # noqa: F401
    booker_confirmed,
    collect_voucher,
    finish_round,
    forfeit_expired,
    normalize_voucher,
)
from fangkong.masks.services.reconcile import (  # noqa: F401
    reconcile,
    reconcile_sites,
)
from fangkong.masks.services.rounds import (  # noqa: F401
    add_pickup_site,
    add_pickup_slot,
    close_round,
    open_mask_round,
)
from fangkong.masks.services.stock import (  # noqa: F401
    receive_stock_batch,
    record_stock_batch,
    return_stock,
)
