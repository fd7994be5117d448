"""Composing and sending emails over SMTP. `compose` is pure; `SmtpSender` talks to the server."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid


def compose(*, sender: str, sender_name: str, to: str, subject: str, body: str, link: str | None,
            signature: str = "") -> EmailMessage:
    """Build a plain-text email with the link on its own line and the venue's contacts below ("-- ")."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "anticafe.local")
    text = body.rstrip() + ("\n\n" + link if link else "") + "\n"
    if signature:
        text += "\n-- \n" + signature.rstrip() + "\n"
    message.set_content(text)
    return message


@dataclass
class SmtpSender:
    """Sends messages through one SMTP connection (opened lazily, closed by `close`)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    timeout: float = 10.0
    _conn: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self._conn is None:
            self._conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                self._conn.starttls()
            if self.username:
                self._conn.login(self.username, self.password)
        self._conn.send_message(message)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except smtplib.SMTPException:
                pass
            self._conn = None
