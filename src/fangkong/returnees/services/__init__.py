"""Every write of the returnees app. Views, API, the management command and imports call these, through this
package: its modules follow the app's parts (times, classification, declarations with their amendments,
isolation, reports with fevers and tasks, venues) and this module is their one door.

Times: report slots and days are in local time (settings.TIME_ZONE, Asia/Shanghai). A day has a morning slot
(before 12:00) and an afternoon slot (12:00–24:00). The morning slot is missed at 12:00, the afternoon slot
at midnight."""

from __future__ import annotations

from fangkong.returnees.services.classification import (  # noqa: F401
    classify_declaration,
    rules_in_force,
    save_risk_rule,
)
from fangkong.returnees.services.declarations import (  # noqa: F401
    AMENDABLE_FIELDS,
    DeclarationInput,
    DeclarationResult,
    clean_declaration,
    decide_amendment,
    declare_return,
    resolve_duplicate,
    submit_amendment,
)
from fangkong.returnees.services.isolation import (  # noqa: F401
    extend_isolation,
    isolation_for_token,
    new_token,
    reissue_report_link,
    release_isolation,
    start_isolation,
)
from fangkong.returnees.services.reports import (  # noqa: F401
    ReportResult,
    complete_task,
    generate_missed_report_tasks,
    record_referral_outcome,
    responsible_user,
    responsible_users,
    submit_report,
)
from fangkong.returnees.services.times import (  # noqa: F401
    MORNING_DEADLINE,
    closed_slots,
    fever_line,
    local_now,
    slot_of,
)
from fangkong.returnees.services.venues import (  # noqa: F401
    CHECKIN_CACHE_SECONDS,
    VisitResult,
    carer_isolation_open,
    clear_checkin_cache,
    ensure_venue,
    log_shift_temperature,
    record_list_read,
    record_read,
    register_visit,
    suspend_visits,
    venue_for_code,
)
