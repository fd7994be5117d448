"""Access rules of privacy: my data for everyone with an account, the guardian's link for anyone with
it, a person's consent and erasure for staff, the access log for admins."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("privacy.mine", Access.USER),
    Rule("privacy.download", Access.USER),
    Rule("privacy.delete_mine", Access.USER, "POST"),
    Rule("privacy.withdraw", Access.USER, "POST"),
    Rule("privacy.resend_guardian_link", Access.USER, "POST"),
    Rule("privacy.guardian", Access.PUBLIC, args={"token": "unknown"}),
    Rule("privacy.guardian", Access.PUBLIC, "POST", args={"token": "unknown"}),
    Rule("privacy.person", Access.STAFF, args={"user_id": 1}),
    Rule("privacy.paper_consent", Access.STAFF, "POST", args={"user_id": 999999}),
    Rule("privacy.erase", Access.STAFF, "POST", args={"user_id": 999999}),
    Rule("privacy.access_log", Access.ADMIN),
    Rule("privacy_api.export_me", Access.USER),
    Rule("privacy_api.delete_me", Access.USER, "DELETE"),
    Rule("privacy_api.my_consents", Access.USER),
    Rule("privacy_api.erase_person", Access.STAFF, "POST", args={"user_id": 999999}),
    Rule("privacy_api.paper_consent", Access.STAFF, "POST", args={"user_id": 999999}),
    Rule("privacy_api.access_log", Access.ADMIN),
]
