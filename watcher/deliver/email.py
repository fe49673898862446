"""E-mail through the operator's SMTP server, with the standard library's smtplib and email: one message a
send, plain text with an HTML alternative.

Its Message-ID is made from the alert's id, so the one message a crash may send twice (the documented
in-flight window: accepted by the server, killed before the mark) has the same id both times, and a mail
client that keeps one of two equal ids shows it once.
"""

from __future__ import annotations

import asyncio

from ..settings import EmailSettings
from .failure import ChannelFailed


class Mailer:
    def __init__(self, settings: EmailSettings):
        self.settings = settings

    async def send(self, to: str, subject: str, plain: str, html: str, ident: str) -> None:
        """Raises ChannelFailed (`refused`: the server will never take it, e.g. an unknown recipient)."""
        await asyncio.to_thread(self._send, to, subject, plain, html, ident)

    def _send(self, to: str, subject: str, plain: str, html: str, ident: str) -> None:
        # Imported here, where a message is sent: a run with no e-mail to send (most) does not pay for them.
        import hashlib
        import smtplib
        import ssl
        from email.message import EmailMessage
        from email.utils import formatdate

        s = self.settings
        message = EmailMessage()
        message["From"] = s.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        domain = s.sender.rsplit("@", 1)[-1]
        message["Message-ID"] = f"<{hashlib.sha256(ident.encode()).hexdigest()[:32]}@{domain}>"
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        try:
            if s.security == "ssl":
                server = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with server:
                if s.security == "starttls":
                    server.starttls(context=ssl.create_default_context())
                if s.username:
                    server.login(s.username, s.password() or "")
                server.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            raise ChannelFailed(f"{to} refused: {_said(e.recipients.get(to))}", refused=True) from None
        except smtplib.SMTPResponseException as e:
            # 5xx on the message itself (too large, refused content) will be refused again; 4xx is passing.
            refused = e.smtp_code >= 500 and not isinstance(e, (smtplib.SMTPAuthenticationError,
                                                                smtplib.SMTPSenderRefused))
            raise ChannelFailed(f"SMTP {e.smtp_code}: {_said((e.smtp_code, e.smtp_error))}", refused=refused) from None
        except (smtplib.SMTPException, OSError) as e:
            raise ChannelFailed(f"{s.host}:{s.port}: {e}") from None


def _said(answer) -> str:
    if not answer:
        return "no reason given"
    code, text = answer
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
