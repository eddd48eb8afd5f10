"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it is sent, and reading links out of it."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(message["Subject"]),
                "body": message.get_content(),
            }
        )
        return "250 Message accepted for delivery"

    def take(self) -> list[dict]:
        taken, self.messages = self.messages, []
        return taken

    def link(self, to: str) -> str:
        """The invitation link in the last message sent to ``to``."""
        bodies = [m["body"] for m in self.messages if to in m["to"]]
        assert bodies, f"no message to {to}: {[m['to'] for m in self.messages]}"
        return re.search(r"https?://\S+/invitations/\S+", bodies[-1]).group(0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server() -> tuple[Inbox, Controller]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return handler, controller


def mail_settings(port: int, base_url: str) -> dict:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "BASE_URL": base_url,
    }
