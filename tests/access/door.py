"""Access rules of the door: staff (and admins) only."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("door.scanner", Access.STAFF),
    Rule("door.event_attendance", Access.STAFF, args={"event_id": 999999}),
    Rule("door.set_window", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("door.undo", Access.STAFF, "POST", args={"checkin_id": 999999}),
    Rule("door.log", Access.STAFF),
    Rule("door_api.check_in", Access.STAFF, "POST"),
    Rule("door_api.manual_check_in", Access.STAFF, "POST"),
    Rule("door_api.undo_check_in", Access.STAFF, "DELETE", args={"checkin_id": 999999}),
    Rule("door_api.attendance", Access.STAFF, args={"event_id": 999999}),
    Rule("door_api.attendees", Access.STAFF, args={"event_id": 999999}),
    Rule("door_api.walk_in", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("door_api.people", Access.STAFF),
    Rule("door_api.offline_list", Access.STAFF, args={"event_id": 999999}),
    Rule("door_app.service_worker", Access.PUBLIC),
    Rule("door_app.manifest", Access.PUBLIC),
]
