"""Access rules of passes: staff sell and grant, the committee sets its programmes' terms, admins define types."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("passes.index", Access.STAFF),
    Rule("passes.person", Access.STAFF, args={"user_id": 1}),
    Rule("passes.person", Access.STAFF, "POST", args={"user_id": 1}),
    Rule("passes.cancel", Access.STAFF, "POST", args={"pass_id": 999999}),
    Rule("passes.committee_index", Access.COMMITTEE),
    Rule("passes.committee_programme", Access.COMMITTEE, "POST", args={"type_id": 999999}),
    Rule("passes.types", Access.ADMIN),
    Rule("passes.new_type", Access.ADMIN),
    Rule("passes.new_type", Access.ADMIN, "POST"),
    Rule("passes.edit_type", Access.ADMIN, args={"type_id": 999999}),
    Rule("passes.edit_type", Access.ADMIN, "POST", args={"type_id": 999999}),
    Rule("passes.delete_type", Access.ADMIN, "POST", args={"type_id": 999999}),
    Rule("passes.mine", Access.USER),
    Rule("passes_api.my_passes", Access.USER),
    Rule("passes_api.user_passes", Access.STAFF, args={"user_id": 1}),
    Rule("passes_api.issue", Access.STAFF, "POST", args={"user_id": 1}),
    Rule("passes_api.cancel", Access.STAFF, "POST", args={"pass_id": 999999}),
    Rule("passes_api.list_types", Access.PUBLIC),
    Rule("passes_api.create_type", Access.ADMIN, "POST"),
    Rule("passes_api.update_type", Access.ADMIN, "PUT", args={"type_id": 999999}),
    Rule("passes_api.delete_type", Access.ADMIN, "DELETE", args={"type_id": 999999}),
]
