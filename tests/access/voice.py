"""Access rules of youth voice: attendees rate, everybody reads ideas, users propose and vote, staff
read comments and decide ideas, the committee reads the counts."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("voice.rate", Access.USER, args={"event_id": 999999}),
    Rule("voice.rate", Access.USER, "POST", args={"event_id": 999999}),
    Rule("voice.to_rate", Access.USER),
    Rule("voice.ideas", Access.PUBLIC),
    Rule("voice.new_idea", Access.USER),
    Rule("voice.new_idea", Access.USER, "POST"),
    Rule("voice.idea", Access.PUBLIC, args={"idea_id": 999999}),
    Rule("voice.vote", Access.USER, "POST", args={"idea_id": 999999}),
    Rule("voice.unvote", Access.USER, "POST", args={"idea_id": 999999}),
    Rule("voice.move", Access.STAFF, "POST", args={"idea_id": 999999}),
    Rule("voice.comments", Access.STAFF),
    Rule("voice.hide", Access.STAFF, "POST", args={"feedback_id": 999999}),
    Rule("voice.committee", Access.COMMITTEE),
    Rule("voice_api.rate", Access.USER, "POST", args={"event_id": 999999}),
    Rule("voice_api.my_rating", Access.USER, args={"event_id": 999999}),
    Rule("voice_api.comments", Access.STAFF),
    Rule("voice_api.hide", Access.STAFF, "POST", args={"feedback_id": 999999}),
    Rule("voice_api.feedback_stats", Access.COMMITTEE),
    Rule("voice_api.list_ideas", Access.PUBLIC),
    Rule("voice_api.propose", Access.USER, "POST"),
    Rule("voice_api.get_idea", Access.PUBLIC, args={"idea_id": 999999}),
    Rule("voice_api.vote", Access.USER, "POST", args={"idea_id": 999999}),
    Rule("voice_api.unvote", Access.USER, "DELETE", args={"idea_id": 999999}),
    Rule("voice_api.move", Access.STAFF, "POST", args={"idea_id": 999999}),
    Rule("voice_api.idea_stats", Access.COMMITTEE),
]

#: Contests: everybody reads a contest and its results (titles only), users enter and vote, staff set one
#: up and decide the entries (staff alone see who entered).
RULES += [
    Rule("contests.index", Access.PUBLIC),
    Rule("contests.contest", Access.PUBLIC, args={"contest_id": 999999}),
    Rule("contests.enter", Access.USER, args={"contest_id": 999999}),
    Rule("contests.enter", Access.USER, "POST", args={"contest_id": 999999}),
    Rule("contests.vote", Access.USER, "POST", args={"contest_id": 999999}),
    Rule("contests.results", Access.PUBLIC, args={"contest_id": 999999}),
    Rule("contests.new", Access.STAFF),
    Rule("contests.new", Access.STAFF, "POST"),
    Rule("contests.manage", Access.STAFF, args={"contest_id": 999999}),
    Rule("contests.manage", Access.STAFF, "POST", args={"contest_id": 999999}),
    Rule("contests.decide", Access.STAFF, "POST", args={"contest_id": 999999, "entry_id": 999999}),
    Rule("contests_api.list_contests", Access.PUBLIC),
    Rule("contests_api.save_contest", Access.STAFF, "POST", args={"event_id": 999999}),
    Rule("contests_api.get_contest", Access.PUBLIC, args={"contest_id": 999999}),
    Rule("contests_api.submit", Access.USER, "POST", args={"contest_id": 999999}),
    Rule("contests_api.staff_entries", Access.STAFF, args={"contest_id": 999999}),
    Rule("contests_api.decide", Access.STAFF, "POST", args={"contest_id": 999999, "entry_id": 999999}),
    Rule("contests_api.vote", Access.USER, "POST", args={"contest_id": 999999}),
    Rule("contests_api.results", Access.PUBLIC, args={"contest_id": 999999}),
]
