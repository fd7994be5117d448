"""Access rules of the foundation: home, accounts, admin, API conventions."""

from anticafe.auth import Access

from . import Rule

RULES = [
    Rule("static", Access.PUBLIC, args={"filename": "css/app.css"}),
    Rule("main.home", Access.PUBLIC),
    Rule("main.healthz", Access.PUBLIC),
    Rule("main.overview", Access.ADMIN),
    Rule("main.manifest", Access.PUBLIC),
    Rule("main.set_language", Access.PUBLIC, "POST"),
    Rule("accounts.signup", Access.PUBLIC),
    Rule("accounts.signup", Access.PUBLIC, "POST"),
    Rule("accounts.login", Access.PUBLIC),
    Rule("accounts.login", Access.PUBLIC, "POST"),
    Rule("accounts.logout", Access.PUBLIC, "POST"),
    Rule("accounts.privacy", Access.PUBLIC),
    Rule("accounts.end_all_sessions", Access.USER, "POST"),
    Rule("accounts.forgot_password", Access.PUBLIC),
    Rule("accounts.forgot_password", Access.PUBLIC, "POST"),
    Rule("accounts.reset_password", Access.PUBLIC, args={"token": "unknown"}),
    Rule("accounts.reset_password", Access.PUBLIC, "POST", args={"token": "unknown"}),
    Rule("accounts.minor_details", Access.STAFF, args={"user_id": 1}),
    Rule("accounts.minor_details", Access.STAFF, "POST", args={"user_id": 1}),
    Rule("accounts.profile", Access.USER),
    Rule("accounts.profile", Access.USER, "POST"),
    Rule("accounts.change_password", Access.USER, "POST"),
    Rule("accounts.revoke_token", Access.USER, "POST", args={"token_id": 999999}),
    Rule("accounts.admin_users", Access.ADMIN),
    Rule("accounts.admin_user", Access.ADMIN, args={"user_id": 1}),
    Rule("accounts.admin_user", Access.ADMIN, "POST", args={"user_id": 1}),
    Rule("api.openapi", Access.PUBLIC),
    Rule("accounts_api.create_token", Access.PUBLIC, "POST"),
    Rule("accounts_api.sign_up", Access.PUBLIC, "POST"),
    Rule("accounts_api.me", Access.USER),
    Rule("accounts_api.log_out", Access.USER, "POST"),
    Rule("accounts_api.change_password", Access.USER, "POST"),
    Rule("accounts_api.request_password_reset", Access.PUBLIC, "POST"),
    Rule("accounts_api.confirm_password_reset", Access.PUBLIC, "POST"),
]

RULES += [
    Rule("notifications.index", Access.USER),
    Rule("notifications.mark_read", Access.USER, "POST"),
    Rule("notifications_api.my_notifications", Access.USER),
    Rule("notifications_api.mark_read", Access.USER, "POST"),
    Rule("venue.edit", Access.ADMIN),
    Rule("venue.edit", Access.ADMIN, "POST"),
    Rule("venue_api.get_hours", Access.PUBLIC),
    Rule("venue_api.get_venue", Access.PUBLIC),
    Rule("venue_api.put_hours", Access.ADMIN, "PUT"),
]
