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
