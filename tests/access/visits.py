"""Access rules of timed visits: the board, checkout and shift for staff, the tariff for admins, cards for everyone."""

from anticafe.auth import Access

from . import Rule

V = {"visit_id": 999999}

RULES = [
    Rule("visits.board", Access.STAFF),
    Rule("visits.start", Access.STAFF, "POST"),
    Rule("visits.walk_in", Access.STAFF, "POST"),
    Rule("visits.pause", Access.STAFF, "POST", V),
    Rule("visits.resume", Access.STAFF, "POST", V),
    Rule("visits.stop", Access.STAFF, "POST", V),
    Rule("visits.checkout", Access.STAFF, args=V),
    Rule("visits.pay", Access.STAFF, "POST", V),
    Rule("visits.correct", Access.STAFF, "POST", V),
    Rule("visits.receipt", Access.STAFF, args={"bill_id": 999999}),
    Rule("visits.shift", Access.STAFF),
    Rule("visits.my_card", Access.USER),
    Rule("visits.my_visits", Access.USER),
    Rule("visits.tariff", Access.ADMIN),
    Rule("visits.tariff", Access.ADMIN, "POST"),
    Rule("visits.add_category", Access.ADMIN, "POST"),
    Rule("visits.add_holiday", Access.ADMIN, "POST"),
    Rule("visits.remove_holiday", Access.ADMIN, "POST", {"day": "2026-01-07"}),
    Rule("visits_api.start", Access.STAFF, "POST"),
    Rule("visits_api.list_visits", Access.STAFF),
    Rule("visits_api.board", Access.STAFF),
    Rule("visits_api.get_visit", Access.STAFF, args=V),
    Rule("visits_api.pause", Access.STAFF, "POST", V),
    Rule("visits_api.resume", Access.STAFF, "POST", V),
    Rule("visits_api.stop", Access.STAFF, "POST", V),
    Rule("visits_api.pay", Access.STAFF, "POST", V),
    Rule("visits_api.company", Access.STAFF, args=V),
    Rule("visits_api.create_bill", Access.STAFF, "POST"),
    Rule("visits_api.get_bill", Access.STAFF, args={"bill_id": 999999}),
    Rule("visits_api.correct", Access.STAFF, "POST", V),
    Rule("visits_api.my_visits", Access.USER),
    Rule("visits_api.card_qr", Access.USER, args={"user_id": 1}),
    Rule("visits_api.get_tariff", Access.PUBLIC),
    Rule("visits_api.quote", Access.PUBLIC),
]
