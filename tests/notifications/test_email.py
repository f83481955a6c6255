"""E-mail to staff through a real local SMTP server (aiosmtpd)."""

import email
import email.policy
import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from api.notifications import delivery
from api.notifications.delivery import deliver_due
from api.notifications.models import Notification
from api.notifications.service import enqueue_email
from api.users.models import Role, User
from tests.conftest import test_settings
from tests.notifications.helpers import EVENT, state


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], email.message.EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("vigia", "s3cret-smtp"))


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate, auth_require_tls=False
    )
    controller.start()
    yield inbox, port
    controller.stop()


async def staff(session, email_address: str | None = None, *, active: bool = True) -> User:  # type: ignore[no-untyped-def]
    user = User(
        email=email_address or f"staff-{uuid.uuid4().hex[:8]}@example.org",
        role=Role.editor,
        password_hash="not-a-login-account",
        is_active=active,
    )
    session.add(user)
    await session.flush()
    return user


async def queued_email(session, user: User, event_type: str = "obligation.overdue", data=None) -> uuid.UUID:  # type: ignore[no-untyped-def]
    await enqueue_email(session, user.id, event_type, data or EVENT)
    return (await session.scalars(select(Notification.id).where(Notification.recipient == str(user.id)))).one()


async def test_email_reaches_the_staff_member(session, database, smtp):
    inbox, port = smtp
    user = await staff(session, "coordinacion@example.org")
    notification_id = await queued_email(session, user)
    settings = test_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_from="vigia@ngo.example")

    report = await deliver_due(database, settings)
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    ((mail_from, recipients, message),) = inbox.messages
    assert mail_from == "vigia@ngo.example" and recipients == ["coordinacion@example.org"]
    assert message["To"] == "coordinacion@example.org"
    assert message["Subject"].startswith("Vigía: obligación vencida — núm. 1: Protocolo")
    assert message["Message-ID"] == f"<{notification_id}@ngo.example>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "está vencida" in text and "Días de retraso: 3" in text
    assert "<table>" in html and "Días de retraso" in html
    assert (await state(session, notification_id)).status == "delivered"
    assert (await deliver_due(database, settings)).delivered == 0
    assert len(inbox.messages) == 1


async def test_logs_in_when_a_username_is_set(session, database, smtp):
    inbox, port = smtp
    user = await staff(session)
    await queued_email(session, user, "obligation.status_changed", {"number": 4, "status": "partial"})
    settings = test_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_username="vigia",
        smtp_password="s3cret-smtp",
    )
    assert (await deliver_due(database, settings)).delivered == 1
    assert inbox.logins == [("vigia", "s3cret-smtp")]
    message = inbox.messages[0][2]
    assert message["Subject"] == "Vigía: cambio de estado de una obligación — núm. 4"
    assert "Estado: cumplimiento parcial" in message.get_body(("plain",)).get_content()


async def test_without_smtp_emails_stay_pending_and_it_is_said_once(session, database, caplog, monkeypatch):
    monkeypatch.setattr(delivery, "_smtp_notice_given", False)
    caplog.set_level(logging.INFO, logger="vigia.notifications")
    notification_id = await queued_email(session, await staff(session))
    for _ in range(3):
        report = await deliver_due(database, test_settings(smtp_host=None))
        assert (report.delivered, report.retried, report.failed) == (0, 0, 0)
    waiting = await state(session, notification_id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 0, None)
    notices = [r for r in caplog.records if "SMTP is not configured" in r.getMessage()]
    assert len(notices) == 1 and notices[0].levelno == logging.INFO


async def test_smtp_down_is_retried(session, database):
    notification_id = await queued_email(session, await staff(session))
    settings = test_settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    assert (await deliver_due(database, settings)).retried == 1
    retry = await state(session, notification_id)
    assert (retry.status, retry.attempts, retry.last_error) == ("pending", 1, "ConnectionRefusedError")


async def test_deactivated_staff_get_nothing(session, database, smtp):
    inbox, port = smtp
    notification_id = await queued_email(session, await staff(session, active=False))
    settings = test_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    assert (await deliver_due(database, settings)).failed == 1
    assert (await state(session, notification_id)).status == "failed"
    assert inbox.messages == []


async def test_a_message_that_cannot_be_built_does_not_stop_the_others(session, database, smtp):
    inbox, port = smtp
    broken = await queued_email(session, await staff(session, "x@example.org\nBcc: y@example.org"))
    good = await queued_email(session, await staff(session))
    settings = test_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    report = await deliver_due(database, settings)
    assert (report.delivered, report.retried) == (1, 1)
    assert (await state(session, broken)).last_error == "ValueError"
    assert (await state(session, good)).status == "delivered"
    assert len(inbox.messages) == 1 and "Bcc" not in str(inbox.messages[0][2])
