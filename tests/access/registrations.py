"""Access rules of registrations: visitors register and see their own; staff see and manage everyone's."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("registrations.register", Access.USER, args={"event_id": 999999}),
    Rule("registrations.register", Access.USER, "POST", args={"event_id": 999999}),
    Rule("registrations.cancel", Access.USER, "POST", args={"registration_id": 999999}),
    Rule("registrations.reissue", Access.USER, "POST", args={"registration_id": 999999}),
    Rule("registrations.ticket", Access.PUBLIC, args={"code": "NOSUCHCODE"}),
    Rule("registrations.ticket_worker", Access.PUBLIC),
    Rule("registrations.qr", Access.USER, args={"registration_id": 999999, "fmt": "png"}),
    Rule("registrations.my_events", Access.USER),
    Rule("registrations.event_registrations", Access.STAFF, args={"event_id": 999999}),
    Rule("registrations.staff_register", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("registrations.walk_in", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("registrations_api.register", Access.USER, "POST", args={"event_id": 999999}),
    Rule("registrations_api.get_registration", Access.USER, args={"registration_id": 999999}),
    Rule("registrations_api.cancel_registration", Access.USER, "DELETE", args={"registration_id": 999999}),
    Rule("registrations_api.my_registrations", Access.USER),
    Rule("registrations_api.event_registrations", Access.STAFF, args={"event_id": 999999}),
]
