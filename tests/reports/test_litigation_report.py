"""GET /court-orders/{id}/report.pdf: a filing-ready PDF in Spanish whose text holds every obligation,
status and evidence hash; staff only; every export an audit event."""

import hashlib
import io
import re
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.demo.loader import load_demo
from api.evidence.models import Evidence
from api.institutions.models import InstitutionKind
from api.orm import Visibility
from api.partners.schemas import Scope
from tests.obligations.factories import due, make_institution, make_obligation, make_order, reset_row_security
from tests.partners.factories import key_client, make_key, make_partner

HOSTILE = '#panic("boom") *negritas* _x_ $x^2$ [corchete] <etiqueta> @ref \\ "comillas" // comentario = Título'
YEARLY = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2023-01-01"}


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def evidence(session, name: str, **overrides) -> Evidence:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256(name.encode()).digest()
    values = {
        "filename": name,
        "content_type": "application/pdf",
        "size_bytes": 1234,
        "sha256": digest,
        "storage_key": f"test/{digest.hex()}",
        "uploaded_by": "system",
        "visibility": Visibility.internal,
    }
    values.update(overrides)
    item = Evidence(**values)
    session.add(item)
    await session.flush()
    return item


async def arrange(session, editor):  # type: ignore[no-untyped-def]
    court = await make_institution(session, kind=InstitutionKind.court, name="Juzgado Penal 12 de la CDMX")
    sep = await make_institution(session, name="Secretaría de Educación Pública (SEP)")
    order = await make_order(
        session, title="Sentencia 45/2021", court_id=court.id, notified_on=date(2025, 1, 10), visibility="public"
    )
    late = await make_obligation(session, order, sep, due("2025-03-01"), description="Publicar los materiales")
    open_ended = await make_obligation(
        session, order, sep, None, description=f"Reconocer públicamente {HOSTILE}", deadline_note="Sin plazo"
    )
    yearly = await make_obligation(session, order, sep, YEARLY, description="Instituir el día de concientización")
    claim = await evidence(session, "oficio-sep.pdf", description="Oficio de la SEP")
    rebuttal = await evidence(session, "acta.pdf")
    about_order = await evidence(session, "sentencia.pdf", subject_type="court_order", subject_id=order.id)
    about_obligation = await evidence(session, "foto.jpg", subject_type="obligation", subject_id=late.id)
    hidden = await evidence(session, "restringida.pdf", visibility=Visibility.restricted)
    unrelated = await evidence(session, "otra.pdf")
    changes = [
        (late, {"status": "disputed", "effective_on": "2025-03-05", "reason": "La SEP afirma haber cumplido"}),
        (late, {"status": "partial", "effective_on": "2025-04-01", "reason": f"Solo infografías {HOSTILE}"}),
        (
            yearly,
            {"status": "complied", "effective_on": "2025-04-25", "reason": "Día instituido", "occurrence_sequence": 3},
        ),
    ]
    changes[0][1]["evidence_ids"] = [str(claim.id), str(rebuttal.id), str(hidden.id)]
    for obligation, body in changes:
        answer = await editor.post(f"/obligations/{obligation.id}/status-changes", json=body)
        assert answer.status_code == 201, answer.text
    return {
        "order": order,
        "obligations": [late, open_ended, yearly],
        "shown": [claim, rebuttal, about_order, about_obligation],
        "hidden": hidden,
        "unrelated": unrelated,
    }


async def test_the_report_holds_every_obligation_status_and_evidence_hash(client_as, session):
    editor = await client_as("editor")
    viewer = await client_as("viewer")
    world = await arrange(session, editor)

    answer = await viewer.get(f"/court-orders/{world['order'].id}/report.pdf")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith('attachment; filename="informe-incumplimiento-')
    assert answer.content.startswith(b"%PDF-")
    assert b"pdfaid:part" in answer.content  # PDF/A-2b, for filing and archiving
    text = pdf_text(answer.content)
    assert "Informe de incumplimiento de resolución judicial" in text
    assert "Sentencia 45/2021" in text and "Juzgado Penal 12 de la CDMX" in text
    assert "10 de enero de 2025" in text  # notified to the day
    for obligation in world["obligations"]:
        assert f"Obligación {obligation.number}" in text
        assert obligation.description in text
    assert HOSTILE in text  # typed text is shown as typed, never read as markup
    for status in ("Cumplimiento parcial", "Controvertido", "Pendiente", "Cumplimiento total"):
        assert status in text
    assert "Controvertido → Cumplimiento parcial" in text
    assert "La SEP afirma haber cumplido" in text and f"Solo infografías {HOSTILE}" in text
    assert "Fecha límite: 1 de marzo de 2025" in text
    assert "La resolución no señala plazo" in text and "Sin plazo" in text
    assert "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25" in text
    for item in world["shown"]:
        assert item.sha256.hex() in text, item.filename
        assert item.filename in text
    assert world["hidden"].sha256.hex() not in text  # restricted: not for viewers
    assert world["unrelated"].sha256.hex() not in text
    late_days = (date.today() - date(2025, 3, 1)).days
    assert re.search(rf"Días de atraso {late_days:,} días", text) or f"{late_days:,} días" in text

    event = await session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event is not None and event.action == "court_order.report_export"
    assert event.record_id == str(world["order"].id) and event.actor == f"user:{viewer.user_id}"  # type: ignore[attr-defined]
    assert answer.headers["x-audit-event"] == str(event.id)
    assert f"Evento de auditoría núm. {event.id}" in text and event.hash.hex() in text
    assert event.after is not None and set(event.after["evidence"]) == {e.sha256.hex() for e in world["shown"]}


async def test_admins_see_restricted_evidence_and_every_export_is_an_event(client_as, session):
    editor = await client_as("editor")
    admin = await client_as("admin")
    world = await arrange(session, editor)
    url = f"/court-orders/{world['order'].id}/report.pdf"
    first = await admin.get(url)
    second = await admin.get(url)
    assert world["hidden"].sha256.hex() in pdf_text(first.content)
    assert int(second.headers["x-audit-event"]) > int(first.headers["x-audit-event"])
    events = (
        await session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "court_order.report_export", AuditEvent.record_id == str(world["order"].id)
            )
        )
    ).all()
    assert len(events) == 2


async def test_the_sep_order_report_gives_dates_at_their_precision_and_the_deadline_notes(viewer, session):
    await load_demo(session)
    from api.court_orders.models import CourtOrder

    order = await session.scalar(select(CourtOrder))
    assert order is not None
    text = pdf_text((await viewer.get(f"/court-orders/{order.id}/report.pdf")).content)
    assert "agosto de 2023 (fecha conocida solo al mes)" in text
    assert "2021 (fecha conocida solo al año)" in text
    assert "Cumplidas totalmente: 0 de 6" in text
    assert "aproximadamente" in text and "se cuenta desde el 1 de agosto de 2023" in text
    assert text.count("La resolución no señala plazo") == 6
    assert text.count("no señala plazo para esta obligación") == 6
    assert "Secretaría de Educación Pública (SEP)" in text


async def test_staff_only(app, anon, session, client_as):
    editor = await client_as("editor")
    world = await arrange(session, editor)
    url = f"/court-orders/{world['order'].id}/report.pdf"
    assert (await anon.get(url)).status_code == 401
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    async with key_client(app, key) as client:
        refused = await client.get(url)  # a public order the partner may read: still no report
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        await reset_row_security(session)
        internal = await make_order(session)
        assert (await client.get(f"/court-orders/{internal.id}/report.pdf")).status_code == 404
    await reset_row_security(session)
    exports = await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "court_order.report_export"))
    assert exports is None


@pytest.mark.parametrize("order_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
async def test_unknown_orders(viewer, order_id):
    answer = await viewer.get(f"/court-orders/{order_id}/report.pdf")
    assert answer.status_code == (422 if order_id == "not-a-uuid" else 404)


async def test_text_the_bundled_fonts_cannot_show_still_gets_its_report(viewer, editor, session):
    sep = await make_institution(session)
    order = await make_order(session, title="Sentencia \u0091con control\x07")
    obligation = await make_obligation(session, order, sep, None, description="Publicar 📣 在网站上 los materiales")
    answer = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "partial", "effective_on": "2025-03-05", "reason": "Avance 👍"},
    )
    assert answer.status_code == 201
    report = await viewer.get(f"/court-orders/{order.id}/report.pdf")
    assert report.status_code == 200, report.text
    text = pdf_text(report.content)
    assert "Sentencia con control" in text and "Publicar" in text and "Cumplimiento parcial" in text
