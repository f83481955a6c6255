"""The litigation report as a Typst document, compiled to PDF/A-2b offline by the `typst` package.

Record text (titles, descriptions, reasons, file names…) never enters the markup as markup: each piece
goes in as a Typst *string literal* (`#"…"`), escaped by `typst_str`, which Typst shows character for
character. Nothing a user typed (`#`, `*`, `[`, `$`, `@`, `<`, `\\`…) can become a command, a format or
a reference. Fixed wording is written here in Spanish.
"""

import logging
import re
from datetime import date, datetime, timedelta

import anyio
import typst

from api.clock import MEXICO_CITY
from api.obligations import schedule as rules
from api.obligations.schedule import ComplianceStatus
from api.orm import DatePrecision
from api.public import i18n
from api.public.i18n import Lang
from api.reports.service import AuditReference, ObligationSection, Report
from api.schemas import DocumentaryDate

ES = Lang.es
logger = logging.getLogger("vigia.reports")

STATUS = {
    ComplianceStatus.pending: "Pendiente",
    ComplianceStatus.partial: "Cumplimiento parcial",
    ComplianceStatus.complied: "Cumplimiento total",
    ComplianceStatus.disputed: "Controvertido",
}
STATUS_NOTE = (
    "«Controvertido»: la autoridad afirma haber cumplido y la organización no lo acepta. "
    "El atraso se cuenta en días naturales desde el vencimiento más antiguo no cumplido."
)
MAX_OCCURRENCE_ROWS = 24

# C0 and C1 controls (but tab and line breaks), lone surrogates and the two non-characters of each plane.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def typst_str(value: object) -> str:
    """A Typst string literal holding `value` as plain text (control characters dropped)."""
    text = _CONTROL.sub("", str(value))
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def t(value: object) -> str:
    """Text in markup: `#"…"`."""
    return "#" + typst_str(value)


def cell(value: object) -> str:
    """A table cell holding plain text."""
    return f"[{t(value)}]"


def _day(value: date) -> str:
    return i18n.day_date(value, ES)


def _doc_date(value: DocumentaryDate | None) -> str:
    if value is None:
        return "—"
    shown = i18n.documentary_date(value.date, value.precision, ES)
    if value.precision is DatePrecision.month:
        return f"{shown} (fecha conocida solo al mes)"
    if value.precision is DatePrecision.year:
        return f"{shown} (fecha conocida solo al año)"
    return shown


def _days(n: int) -> str:
    return f"{i18n.number(n, ES)} día" if n == 1 else f"{i18n.number(n, ES)} días"


def schedule_text(section: ObligationSection) -> str:
    """The obligation's schedule in words."""
    data = section.obligation.schedule
    if data is None:
        return "La resolución no señala plazo."
    try:
        schedule = rules.parse_schedule(data)
    except rules.ScheduleError:
        return "Plazo registrado en un formato que ya no se reconoce."
    due = f" Vence el {_day(section.occurrences[0].due_on)}." if section.occurrences else ""
    match schedule:
        case rules.OneOffDate(due_on=due_on):
            return f"Fecha límite: {_day(due_on)}."
        case rules.OneOffTerm(days=days, unit=unit):
            kind = "hábiles" if unit == "business_days" else "naturales"
            extra = (
                " Días hábiles: de lunes a viernes, sin los días inhábiles federales ni los días en que el "
                "órgano jurisdiccional no labora."
                if unit == "business_days"
                else ""
            )
            return f"{i18n.number(days, ES)} días {kind} contados a partir de la notificación.{due}{extra}"
        case rules.Recurring(rrule=rrule, starts_on=starts_on):
            return f"Periódica a partir del {_day(starts_on)}, según la regla iCalendar {rrule}."
        case rules.Continuous(review_every_months=months, starts_on=starts_on):
            return f"Continua, con revisión cada {months} meses a partir del {_day(starts_on)}."
    return "—"


def _numeric(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _short_time(moment: datetime) -> str:
    local = moment.astimezone(MEXICO_CITY)
    return f"{_day(local.date())}, {local:%H:%M}"


def _mexico_time(moment: datetime) -> str:
    local = moment.astimezone(MEXICO_CITY)
    offset = local.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    utc = f"UTC{'-' if hours < 0 else '+'}{abs(hours):02d}:{rest // 60:02d}"
    return f"{_day(local.date())}, {local:%H:%M:%S} (hora de la Ciudad de México, {utc})"


def source(report: Report, audit: AuditReference) -> str:
    order = report.order
    lines: list[str] = []
    add = lines.append
    audit_ref = f"Evento de auditoría núm. {audit.event_id} · SHA-256 {audit.hash_hex}"
    add(f'#set document(title: {typst_str("Informe de incumplimiento: " + order.title)}, author: "Vigía")')
    add('#set text(lang: "es", region: "mx", size: 10pt, hyphenate: false)')
    add("#set par(justify: false, leading: 0.6em)")
    add("#show heading.where(level: 2): it => block(above: 1.3em, below: 0.7em, text(size: 12pt, it.body))")
    add("#show heading.where(level: 3): it => block(above: 1.1em, below: 0.6em, text(size: 10.5pt, it.body))")
    add(
        '#set page(paper: "us-letter", margin: (x: 2.3cm, top: 2.2cm, bottom: 2.6cm), footer: context '
        f"text(size: 7.5pt)[{t(audit_ref)} #h(1fr) Página "
        '#counter(page).display("1 de 1", both: true)])'
    )
    add("#set table(stroke: 0.4pt + luma(170), inset: 5pt)")
    add("")
    title = typst_str("Informe de incumplimiento de resolución judicial")
    add(f'#align(center, text(size: 15pt, weight: "bold", {title}))')
    add(f"#align(center, text(size: 11pt, {typst_str(order.title)}))")
    add("")
    add(f"Estado al {t(_day(report.as_of))}. Generado el {t(_mexico_time(report.generated_at))}.")
    add("")
    add("== 1. Datos de la resolución")
    rows = [
        ("Órgano jurisdiccional", report.court_name or "—"),
        ("Expediente", order.file_number or "—"),
        ("Fecha de la resolución", _doc_date(DocumentaryDate.from_columns(order.issued_on, order.issued_on_precision))),
        ("Fecha de notificación", _doc_date(report.notified)),
        (
            "Confirmada en apelación",
            _doc_date(
                DocumentaryDate.from_columns(order.confirmed_on_appeal_on, order.confirmed_on_appeal_on_precision)
            ),
        ),
    ]
    if report.proceeding is not None:
        proceeding = report.proceeding.title
        if report.proceeding.file_number:
            proceeding += f" ({report.proceeding.file_number})"
        rows.append(("Procedimiento", proceeding))
    if order.source_url:
        rows.append(("Fuente", order.source_url))
    add("#table(columns: (auto, 1fr), " + ", ".join(f"[*{label}*], {cell(value)}" for label, value in rows) + ")")
    if order.summary:
        add("")
        add("=== Resumen")
        add(t(order.summary))
    add("")
    add("== 2. Estado de cumplimiento")
    total = len(report.sections)
    days = report.days_since_notification
    notified = report.notified
    if days is None:
        clock = "La resolución no tiene fecha de notificación registrada."
    elif notified is not None and notified.precision is not DatePrecision.day:
        clock = (
            f"Han transcurrido aproximadamente {_days(days)} desde la notificación "
            f"(notificada en {i18n.documentary_date(notified.date, notified.precision, ES)}, fecha conocida solo "
            f"al {'mes' if notified.precision is DatePrecision.month else 'año'}; se cuenta desde el "
            f"{_day(notified.date)})."
        )
    else:
        clock = f"Han transcurrido {_days(days)} desde la notificación."
    add(t(clock))
    add("")
    summary = (
        f"Obligaciones: {total}. Cumplidas totalmente: {report.count(ComplianceStatus.complied)} de {total}. "
        f"Parcialmente: {report.count(ComplianceStatus.partial)}. Pendientes: "
        f"{report.count(ComplianceStatus.pending)}. Controvertidas: {report.count(ComplianceStatus.disputed)}. "
        f"Vencidas y no cumplidas: {report.overdue}."
    )
    add(t(summary))
    add("")
    if report.sections:
        header = "[*Núm.*], [*Obligado*], [*Estado*], [*Vencimiento*], [*Días de atraso*]"
        body = []
        for s in report.sections:
            due = _day(s.next_due_on) if s.next_due_on else ("Sin plazo" if s.days_overdue is None else "—")
            late = "—" if s.days_overdue is None else i18n.number(s.days_overdue, ES)
            body.append(
                ", ".join(
                    cell(x)
                    for x in (s.obligation.number, s.obligated_name or "—", STATUS[s.obligation.status], due, late)
                )
            )
        add(f"#table(columns: (auto, 1fr, auto, auto, auto), {header}, {', '.join(body)})")
        add("")
        add(f"#text(size: 8.5pt, {typst_str(STATUS_NOTE)})")
    add("")
    add("== 3. Obligaciones")
    for s in report.sections:
        add(_obligation(report, s))
    add("")
    add("== 4. Evidencia")
    if report.evidence:
        add(
            t(
                "Documentos conservados sin alteración desde su carga; la huella SHA-256 permite verificar que "
                "cada archivo presentado es idéntico al registrado."
            )
        )
        add("")
        for line in report.evidence:
            e = line.evidence
            uploaded = _day(e.created_at.astimezone(MEXICO_CITY).date())
            meta = f"{line.about} · {e.content_type} · {i18n.number(e.size_bytes, ES)} bytes · cargado el {uploaded}"
            add(f"#block(breakable: false, below: 0.9em)[*{line.ref}.* {t(e.filename)} \\")
            if e.description:
                add(f"{t(e.description)} \\")
            add(f"#text(size: 8.5pt, {typst_str(meta)}) \\")
            add(f'#text(font: "DejaVu Sans Mono", size: 7.6pt, {typst_str("SHA-256: " + e.sha256.hex())})]')
    else:
        add(t("No hay documentos registrados para esta resolución, sus obligaciones ni sus cambios de estado."))
    add("")
    add("== 5. Constancia de generación")
    add(
        t(
            f"Este informe se generó con Vigía el {_mexico_time(report.generated_at)}. Su exportación quedó "
            f"registrada en la bitácora de auditoría encadenada por huellas SHA-256 como el evento núm. "
            f"{audit.event_id}, cuya huella es {audit.hash_hex}. La verificación de la cadena detecta cualquier "
            "alteración o supresión posterior de ese registro."
        )
    )
    return "\n".join(lines) + "\n"


def _obligation(report: Report, s: ObligationSection) -> str:
    o = s.obligation
    parts = [f"=== Obligación {o.number}", t(o.description), ""]
    rows = [
        ("Obligado", s.obligated_name or "—"),
        ("Plazo", schedule_text(s)),
    ]
    if o.deadline_note:
        rows.append(("Nota sobre el plazo", o.deadline_note))
    since = f" desde el {_day(o.status_since)}" if o.status_since else ""
    rows.append(("Estado actual", f"{STATUS[o.status]}{since}"))
    if s.days_overdue is not None:
        rows.append(("Días de atraso", "Sin atraso" if s.days_overdue == 0 else _days(s.days_overdue)))
    parts.append("#table(columns: (auto, 1fr), " + ", ".join(f"[*{k}*], {cell(v)}" for k, v in rows) + ")")
    periodic = o.schedule is not None and o.schedule.get("kind") in ("recurring", "continuous")
    if periodic and s.occurrences:
        shown = [line for line in s.occurrences if line.due_on <= report.as_of]
        upcoming = [line for line in s.occurrences if line.due_on > report.as_of][:1]
        shown = shown[-MAX_OCCURRENCE_ROWS:] + upcoming
        body = ", ".join(
            ", ".join(
                cell(x)
                for x in (
                    line.sequence,
                    _day(line.due_on),
                    STATUS[line.status],
                    "—" if line.days_late == 0 else i18n.number(line.days_late, ES),
                )
            )
            for line in shown
        )
        parts.append("")
        parts.append(t("Periodos:"))
        parts.append(
            f"#table(columns: (auto, auto, 1fr, auto), [*Periodo*], [*Vence*], [*Estado*], [*Días de atraso*], {body})"
        )
    parts.append("")
    if s.history:
        parts.append(t("Historial de estado:"))
        history = []
        for c in s.history:
            change = f"{STATUS[c.previous_status] if c.previous_status else '—'} → {STATUS[c.status]}"
            if c.occurrence_sequence is not None:
                change += f" (periodo {c.occurrence_sequence})"
            refs = ", ".join(report.evidence_refs[e] for e in c.evidence_ids if e in report.evidence_refs) or "—"
            recorded = typst_str(f"Registrado el {_short_time(c.recorded_at)}")
            history.append(
                f"{cell(_numeric(c.effective_on))}, {cell(change)}, "
                f"[{t(c.reason)} \\ #text(size: 8pt, fill: luma(90), {recorded})], {cell(refs)}"
            )
        parts.append(
            "#table(columns: (auto, 26%, 1fr, auto), [*Vigente desde*], [*Cambio*], [*Motivo*], [*Evidencia*], "
            f"{', '.join(history)})"
        )
    else:
        parts.append(t("Sin cambios de estado registrados: la obligación conserva su estado inicial (pendiente)."))
    parts.append("")
    return "\n".join(parts)


async def render_pdf(report: Report, audit: AuditReference) -> bytes:
    """Compile offline (bundled fonts only, so the output does not depend on the machine) as PDF/A-2b,
    in a worker thread: compiling is CPU work."""
    text = source(report, audit).encode()
    timestamp = int(report.generated_at.timestamp())

    def compile_() -> bytes:
        try:
            pdf = typst.compile(text, format="pdf", pdf_standards="a-2b", ignore_system_fonts=True, timestamp=timestamp)
        except typst.TypstError as exc:
            # PDF/A wants every character drawn from an embedded font; text the bundled fonts cannot show
            # (an emoji, a script they lack) still gets its report, as a plain PDF.
            if "PDF/A" not in str(exc):
                raise
            logger.info("litigation report of %s: not PDF/A (%s)", report.order.id, str(exc)[:200])
            pdf = typst.compile(text, format="pdf", ignore_system_fonts=True, timestamp=timestamp)
        if not isinstance(pdf, bytes):
            raise TypeError("typst returned no document")
        return pdf

    return await anyio.to_thread.run_sync(compile_)
