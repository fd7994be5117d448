"""Access rules of the messengers: channels of a person, webhooks (public, each checks its secret),
linking a guest at the door and announcements (staff)."""

from anticafe.auth import Access

from . import Rule

E = {"event_id": 999999}

RULES = [
    Rule("notifications.channels", Access.USER),
    Rule("notifications.channels", Access.USER, "POST"),
    Rule("notifications.link", Access.USER, "POST", args={"channel": "telegram"}),
    Rule("notifications.unlink", Access.USER, "POST", args={"channel": "telegram"}),
    Rule("notifications_api.my_channels", Access.USER),
    Rule("notifications_api.put_preferences", Access.USER, "PUT"),
    Rule("notifications_api.create_link", Access.USER, "POST", args={"channel": "telegram"}),
    Rule("notifications_api.delete_link", Access.USER, "DELETE", args={"channel": "telegram"}),
    Rule("hooks.telegram_hook", Access.PUBLIC, "POST", args={"secret": "not-the-secret"}),
    Rule("hooks.vk_hook", Access.PUBLIC, "POST", args={"secret": "not-the-secret"}),
    Rule("messengers.guest_link", Access.STAFF),
    Rule("messengers.guest_link", Access.STAFF, "POST"),
    Rule("messengers.announce", Access.STAFF, args=E),
    Rule("messengers.announce", Access.STAFF, "POST", args=E),
    Rule("messengers_api.list_announcements", Access.STAFF, args=E),
    Rule("messengers_api.create_announcement", Access.STAFF, "POST", args=E),
]
