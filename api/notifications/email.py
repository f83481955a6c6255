"""E-mail to NGO staff about deadlines and status changes: SMTP from the standard library.

Messages are plain text with a simple HTML alternative, in Spanish. Sending runs smtplib in a worker
thread; STARTTLS (or implicit TLS on port 465) and login are used as configured. Nothing here logs
addresses, subjects or contents.
"""

import asyncio
import html
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from api.config import Settings

IMPLICIT_TLS_PORT = 465
_SUBJECT_TEXT_LIMIT = 90

_HEADLINES = {
    "obligation.overdue": (
        "obligación vencida",
        "Una obligación ordenada por un tribunal está vencida y no consta su cumplimiento.",
    ),
    "obligation.due_soon": ("obligación por vencer", "Una obligación ordenada por un tribunal vence pronto."),
    "obligation.status_changed": (
        "cambio de estado de una obligación",
        "Se registró un nuevo estado de cumplimiento de una obligación.",
    ),
}
_DEFAULT_HEADLINE = ("aviso", "Vigía registró un evento que requiere su atención.")

# The fields an e-mail shows, in order, with their Spanish labels.
_LABELS = {
    "number": "Número de la obligación",
    "description": "Obligación",
    "due_on": "Fecha límite",
    "days_late": "Días de retraso",
    "days_left": "Días restantes",
    "occurrence_sequence": "Periodo",
    "previous_status": "Estado anterior",
    "status": "Estado",
    "effective_on": "Vigente desde",
    "obligation_id": "Identificador de la obligación",
    "court_order_id": "Identificador de la resolución",
    "obligated_id": "Identificador de la institución obligada",
}
_STATUSES = {
    "pending": "pendiente",
    "partial": "cumplimiento parcial",
    "complied": "cumplimiento total",
    "disputed": "cumplimiento controvertido",
}


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


def _one_line(value: str, limit: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _shown(name: str, value: Any) -> str:
    if name in ("status", "previous_status") and isinstance(value, str):
        return _STATUSES.get(value, value)
    return str(value)


def compose(event_type: str, data: dict[str, Any], *, public_url: str) -> Content:
    headline, intro = _HEADLINES.get(event_type, _DEFAULT_HEADLINE)
    about = []
    if data.get("number") is not None:
        about.append(f"núm. {data['number']}")
    if isinstance(data.get("description"), str) and data["description"].strip():
        about.append(_one_line(data["description"], _SUBJECT_TEXT_LIMIT))
    subject = f"Vigía: {headline}"
    if about:
        subject += " — " + ": ".join(about)
    rows = [
        (label, _shown(name, data[name]))
        for name, label in _LABELS.items()
        if data.get(name) is not None and not isinstance(data[name], dict | list)
    ]
    footer = "Recibe este correo porque forma parte del equipo de Vigía."
    text_lines = [intro, "", *(f"{label}: {value}" for label, value in rows), "", f"Abrir Vigía: {public_url}"]
    text_lines += ["", "—", footer]
    table = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{html.escape(label)}</th>'
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    body_html = (
        '<!DOCTYPE html><html lang="es"><body style="font-family:sans-serif">'
        f"<p>{html.escape(intro)}</p><table>{table}</table>"
        f'<p><a href="{html.escape(public_url, quote=True)}">Abrir Vigía</a></p>'
        f'<p style="color:#666;font-size:small">{html.escape(footer)}</p></body></html>'
    )
    return Content(subject=_one_line(subject, 200), text="\n".join(text_lines) + "\n", html=body_html)


def build_message(settings: Settings, to: str, content: Content, notification_id: uuid.UUID) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = content.subject
    message["Date"] = formatdate(usegmt=True)
    # Stable across retries, so a mail client shows a re-sent message once.
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip("<> ") or "vigia"
    message["Message-ID"] = f"<{notification_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    return message


def _send_blocking(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None
    timeout = settings.webhook_timeout_seconds
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_port == IMPLICIT_TLS_PORT:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_starttls and settings.smtp_port != IMPLICIT_TLS_PORT:
            smtp.starttls(context=context)
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)


async def send(settings: Settings, message: EmailMessage) -> None:
    """Send one message; raises OSError (smtplib.SMTPException included) when it was not accepted."""
    await asyncio.to_thread(_send_blocking, settings, message)
