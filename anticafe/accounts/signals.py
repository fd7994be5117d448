"""What the accounts domain announces; other domains connect receivers (blinker, which Flask brings)."""

from blinker import Namespace

_signals = Namespace()

#: Sent by `services.request_password_reset` with `user` and the raw `token` of a fresh reset link,
#: inside the request's transaction. The notifications domain mails the link in the person's language.
password_reset_requested = _signals.signal("password-reset-requested")
