"""Access rules of the statistics: the youth committee and admins only."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("stats.dashboard", Access.COMMITTEE),
    Rule("stats.events", Access.COMMITTEE),
    Rule("stats.event", Access.COMMITTEE, args={"event_id": 999999}),
    Rule("stats.export", Access.COMMITTEE, args={"name": "categories", "fmt": "csv"}),
    Rule("stats.event_export", Access.COMMITTEE, args={"event_id": 999999, "name": "event_ages", "fmt": "xlsx"}),
    Rule("stats.report", Access.COMMITTEE),
    Rule("stats.report_file", Access.COMMITTEE, args={"fmt": "xlsx"}),
    Rule("stats_api.summary", Access.COMMITTEE),
    Rule("stats_api.attendance", Access.COMMITTEE),
]
