"""The embeddable card (HTML) and badge (SVG): valid documents, the right numbers in both languages,
every piece of record text escaped."""

from datetime import date

import pytest

from api.demo.loader import load_demo
from api.orm import Visibility
from tests.obligations.factories import due, make_institution, make_obligation, make_order, record
from tests.public.documents import badge_texts, card_text, parse_badge, parse_card

TODAY = date(2026, 11, 28)  # 1,215 days after 2023-08-01


@pytest.fixture
async def sep_order(anon, session, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("api.public.router.today", lambda: TODAY)
    await load_demo(session)
    (order,) = (await anon.get("/public/court-orders")).json()["items"]
    return order


async def test_the_card_in_spanish(anon, sep_order):
    answer = await anon.get(f"/public/court-orders/{sep_order['id']}/card")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in answer.headers["content-security-policy"]
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    page = parse_card(answer.text)
    text = card_text(page)
    assert "SEP · 0/6 cumplidas · 1,215 días desde la notificación" in text
    assert "se cuentan desde el 1 de agosto de 2023 y son aproximados" in text
    assert text.count("Pendiente") == 6 and text.count("sin plazo señalado") == 6
    assert "Datos al 28 de noviembre de 2026" in text
    assert ("lang", "es-MX") in page.attrs
    assert ("aria-label", "0 de 6 obligaciones cumplidas") in page.attrs
    assert page.tags.count("li") == 6


async def test_the_card_in_english(anon, sep_order):
    page = parse_card((await anon.get(f"/public/court-orders/{sep_order['id']}/card", params={"lang": "en"})).text)
    text = card_text(page)
    assert "SEP · 0/6 complied · 1,215 days since notification" in text
    assert "counted from August 1, 2023 and are approximate" in text
    assert text.count("Pending") == 6 and text.count("no deadline set") == 6
    assert "Data as of November 28, 2026" in text
    assert ("lang", "en-US") in page.attrs
    assert (await anon.get(f"/public/court-orders/{sep_order['id']}/card", params={"lang": "fr"})).status_code == 422


async def test_the_badge_in_both_languages(anon, sep_order):
    es = await anon.get(f"/public/court-orders/{sep_order['id']}/badge.svg")
    assert es.headers["content-type"] == "image/svg+xml; charset=utf-8"
    root = parse_badge(es.text)
    assert badge_texts(root) == ["SEP", "0/6 cumplidas · 1,215 días"]
    assert root.get("aria-label") == (
        "SEP · 0/6 cumplidas · 1,215 días desde la notificación (aproximado: notificada en agosto de 2023)"
    )
    en = parse_badge((await anon.get(f"/public/court-orders/{sep_order['id']}/badge.svg?lang=en")).text)
    assert badge_texts(en) == ["SEP", "0/6 complied · 1,215 days"]
    assert "approximate: notified in August 2023" in en.get("aria-label", "")
    width = float(root.get("width", "0"))
    assert 150 < width < 260


async def test_numbers_follow_the_records(anon, session, monkeypatch):
    monkeypatch.setattr("api.public.router.today", lambda: date(2025, 1, 11))
    sep = await make_institution(session, name="Secretaría de Educación Pública (SEP)", visibility=Visibility.public)
    order = await make_order(session, notified_on=date(2025, 1, 10), visibility="public")
    first = await make_obligation(session, order, sep, due("2025-01-10"))
    await make_obligation(session, order, sep, due("2025-03-01"))
    await record(session, first, "complied", date(2025, 1, 10))
    card = card_text(parse_card((await anon.get(f"/public/court-orders/{order.id}/card")).text))
    assert "SEP · 1/2 cumplidas · 1 día desde la notificación" in card
    assert "Notificada el 10 de enero de 2025." in card
    assert "vence el 1 de marzo de 2025" in card
    badge = parse_badge((await anon.get(f"/public/court-orders/{order.id}/badge.svg?lang=en")).text)
    assert badge_texts(badge) == ["SEP", "1/2 complied · 1 day"]
    assert "approximate" not in badge.get("aria-label", "")


async def test_every_piece_of_record_text_is_escaped(anon, session):
    hostile = '<script>alert("x")</script> & <b onclick="y">'
    sep = await make_institution(session, name=f"Autoridad {hostile} (A&B)", visibility=Visibility.public)
    order = await make_order(session, title=f"Sentencia {hostile}", visibility="public", notified_on=None)
    await make_obligation(session, order, sep, None, description=f"Hacer {hostile}", deadline_note=f"Nota {hostile}")
    card = await anon.get(f"/public/court-orders/{order.id}/card")
    assert "<script" not in card.text and "onclick=" not in card.text.replace("onclick=&quot;", "")
    page = parse_card(card.text)
    assert "b" not in page.tags
    text = card_text(page)
    assert f"Sentencia {hostile}" in text and f"Hacer {hostile}" in text
    assert "A&B · 0/1 cumplidas · sin fecha de notificación" in text
    badge = await anon.get(f"/public/court-orders/{order.id}/badge.svg")
    root = parse_badge(badge.text)
    assert badge_texts(root) == ["A&B", "0/1 cumplidas"]
    long_name = await make_institution(session, name=f"Autoridad {hostile}", visibility=Visibility.public)
    other = await make_order(session, visibility="public")
    await make_obligation(session, other, long_name, None)
    root = parse_badge((await anon.get(f"/public/court-orders/{other.id}/badge.svg")).text)
    assert badge_texts(root)[0] == f"Autoridad {hostile}"


async def test_an_obligated_authority_that_is_not_public_is_not_named(anon, session):
    hidden = await make_institution(session, name="Autoridad interna", visibility=Visibility.internal)
    order = await make_order(session, visibility="public")
    await make_obligation(session, order, hidden, None)
    card = await anon.get(f"/public/court-orders/{order.id}/card")
    assert "Autoridad interna" not in card.text and "Autoridad obligada" in card.text
    badge = parse_badge((await anon.get(f"/public/court-orders/{order.id}/badge.svg?lang=en")).text)
    assert badge_texts(badge)[0] == "Obligated authority"
