"""Access rules of the event calendar: pages and feeds for everyone, changes for staff."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("events.month", Access.PUBLIC),
    Rule("events.week", Access.PUBLIC),
    Rule("events.upcoming", Access.PUBLIC),
    Rule("events.detail", Access.PUBLIC, args={"event_id": 999999}),
    Rule("events.event_ics", Access.PUBLIC, args={"event_id": 999999}),
    Rule("events.calendar_ics", Access.PUBLIC),
    Rule("events.personal_feed", Access.PUBLIC, args={"token": "no-such-token"}),
    Rule("events.regenerate_feed", Access.USER, "POST"),
    Rule("events.cover", Access.PUBLIC, args={"name": "missing.jpg"}),
    Rule("events.manage", Access.STAFF),
    Rule("events.new", Access.STAFF),
    Rule("events.new", Access.STAFF, "POST"),
    Rule("events.edit", Access.STAFF, args={"event_id": 999999}),
    Rule("events.edit", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events.duplicate", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events.publish", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events.unpublish", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events.cancel", Access.STAFF, args={"event_id": 999999}),
    Rule("events.cancel", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events.delete", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("events_api.list_events", Access.PUBLIC),
    Rule("events_api.get_event", Access.PUBLIC, args={"event_id": 999999}),
    Rule("events_api.create_event", Access.STAFF, "POST"),
    Rule("events_api.check_event", Access.STAFF, "POST"),
    Rule("events_api.update_event", Access.STAFF, "PATCH", args={"event_id": 999999}),
    Rule("events_api.cancel_event", Access.STAFF, "POST", args={"event_id": 999999}),
]
