"""The visits domain's services, split by what they do; this module only gathers their names while callers move.

Tariffs: `tariffs`; pricing a visit: `billing`; the clock: `clock`; checkout and corrections:
`checkout`; the board and reports: `board`; who is inside: `occupancy`; the door's receivers: `door`.
"""

from .billing import PrepaidSource, Pricer, active_time, apply_quote, lock_visit  # noqa: F401
from .board import (  # noqa: F401
    MethodTotal,
    ShiftReport,
    board,
    card_qr_url,
    find_people,
    list_visits,
    other_unsettled,
    shift_report,
    visit_json,
    visits_of,
)
from .checkout import correct_visit, pay_together, pay_visit  # noqa: F401
from .clock import (  # noqa: F401
    cancel_visit,
    check_category,
    close_day,
    json_value,
    open_visit_for,
    pause_visit,
    resume_visit,
    scan_card,
    settle_free,
    start_visit,
    start_walk_in,
    stop_visit,
)
from .door import card_scan_answer, timed_check_in, timed_check_in_undone  # noqa: F401
from .occupancy import Occupancy, occupancy, people_inside  # noqa: F401
from .tariffs import (  # noqa: F401
    CATEGORY_LABELS,
    METHOD_LABELS,
    PROBLEM_MESSAGES,
    STATUS_LABELS,
    CategoryInfo,
    add_category,
    add_holiday,
    breakdown_rows,
    categories,
    category_codes,
    category_label,
    current_rules,
    current_tariff,
    day_kind_on,
    describe_line,
    ensure_tariff,
    holidays,
    method_label,
    quote_for,
    remove_holiday,
    save_tariff,
    status_label,
    stored_lines,
    tariff_versions,
    tariff_words,
)
