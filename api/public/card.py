"""The embeddable card (HTML) and badge (SVG) of a public court order's compliance clock.

Both are small, self-contained documents: inline CSS, no script, no external resource, every piece of
record text escaped. The card is an accessible article (headings, a list, a labelled progress bar);
the badge has a <title> and an aria-label that say the same as its picture, including when the day
count is approximate.
"""

from html import escape

from api.obligations.schedule import ComplianceStatus
from api.public import i18n
from api.public.i18n import Lang
from api.public.schemas import PublicCourtOrder, PublicObligation
from api.public.service import Headline, headline
from api.schemas import DocumentaryDate

DESCRIPTION_CHARS = 140


def _authority(h: Headline, lang: Lang) -> str:
    if h.authority is None:
        return i18n.TEXT[lang]["unknown_authority"]
    if h.authorities > 3:
        return i18n.TEXT[lang]["institutions"].format(n=i18n.number(h.authorities, lang))
    return h.authority


def _complied(h: Headline, lang: Lang) -> str:
    return i18n.TEXT[lang]["complied"].format(done=i18n.number(h.complied, lang), total=i18n.number(h.total, lang))


def headline_parts(order: PublicCourtOrder, lang: Lang) -> list[str]:
    """ "SEP", "0/6 cumplidas", "1,215 días desde la notificación" (unescaped)."""
    h = headline(order)
    days = i18n.TEXT[lang]["no_notification"] if h.days is None else i18n.plural(lang, "days", h.days)
    return [_authority(h, lang), _complied(h, lang), days]


def precision_note(notified: DocumentaryDate | None, lang: Lang) -> str | None:
    """How the clock was counted: exactly from a day, or approximately from the start of a month or year."""
    if notified is None:
        return None
    when = i18n.documentary_date(notified.date, notified.precision, lang)
    if notified.precision.value == "day":
        return i18n.TEXT[lang]["exact"].format(when=when)
    return i18n.TEXT[lang]["approximate"].format(
        when=when,
        precision=i18n.TEXT[lang][f"precision_{notified.precision.value}"],
        start=i18n.day_date(notified.date, lang),
    )


def _shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _deadline(item: PublicObligation, lang: Lang) -> str:
    words = i18n.TEXT[lang]
    if item.days_overdue is None:
        return words["no_due_date"]
    if item.overdue:
        return i18n.plural(lang, "overdue", item.days_overdue)
    if item.due_on is not None:
        return words["due_on"].format(date=i18n.day_date(item.due_on, lang))
    return i18n.STATUS[lang][item.status]


_CARD_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#1b1b1f;background:#fff}
.card{max-width:560px;margin:0;padding:16px 18px;border:1px solid #d0d0d7;border-radius:10px;background:#fff}
.kicker{margin:0;font-size:12px;letter-spacing:.04em;text-transform:uppercase;color:#555a66}
h1{margin:4px 0 10px;font-size:17px;line-height:1.3}
.headline{margin:0 0 8px;font-size:18px}
.headline strong{font-weight:700}
.bar{height:8px;border-radius:4px;background:#f2d4d4;overflow:hidden;margin:0 0 10px}
.bar span{display:block;height:100%;background:#1b5e20}
.note{margin:0 0 10px;font-size:13px;color:#444955}
h2{margin:0 0 6px;font-size:14px}
ol{margin:0 0 10px;padding-left:22px}
li{margin:0 0 6px;font-size:13px}
.status{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;font-weight:700}
.pending{background:#fde8e8;color:#8a1c1c}.partial{background:#fff1d6;color:#6b4000}
.complied{background:#e6f4ea;color:#1b5e20}.disputed{background:#f3e5f5;color:#4a148c}
.due{color:#555a66}
.footer{margin:0;font-size:12px;color:#555a66}
.footer a{color:#1a4fa0}
"""


def render_card(order: PublicCourtOrder, lang: Lang) -> str:
    words = i18n.TEXT[lang]
    h = headline(order)
    parts = headline_parts(order, lang)
    progress = words["progress"].format(done=i18n.number(h.complied, lang), total=i18n.number(h.total, lang))
    percent = 0 if h.total == 0 else round(100 * h.complied / h.total)
    note = precision_note(order.clock.notified_on, lang)
    items = []
    for item in order.obligations:
        status = i18n.STATUS[lang][ComplianceStatus(item.status)]
        items.append(
            f'<li value="{item.number}"><span class="status {escape(item.status.value)}">{escape(status)}</span> '
            f"{escape(_shorten(item.description))} "
            f'<span class="due">({escape(_deadline(item, lang))})</span></li>'
        )
    as_of = words["as_of"].format(date=i18n.day_date(order.clock.as_of, lang))
    headline_html = " · ".join(f"<strong>{escape(p)}</strong>" for p in parts)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{i18n.LOCALE_TAGS[lang]}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(' · '.join(parts))}</title>",
            f"<style>{_CARD_CSS}</style>",
            "</head>",
            "<body>",
            '<article class="card" aria-labelledby="card-title">',
            f'<p class="kicker">{escape(words["kicker"])}</p>',
            f'<h1 id="card-title">{escape(order.title)}</h1>',
            f'<p class="headline">{headline_html}</p>',
            f'<div class="bar" role="img" aria-label="{escape(progress)}"><span style="width:{percent}%"></span></div>',
            f'<p class="note">{escape(note)}</p>' if note else "",
            f"<h2>{escape(words['obligations'])}</h2>" if items else "",
            f"<ol>{''.join(items)}</ol>" if items else "",
            f'<p class="footer">{escape(as_of)} · '
            f'<a href="/publico" target="_blank" rel="noopener">{escape(words["source"])}</a></p>',
            "</article>",
            "</body>",
            "</html>",
            "",
        ]
    )


# --- badge -----------------------------------------------------------------------------------------

# Approximate advance widths of Verdana at 11 px; `textLength` then fits the text to them exactly.
_NARROW = set("iljtfrI!.,:;'|·() ")
_WIDE = set("mwMW%@")


def text_width(text: str) -> float:
    width = 0.0
    for ch in text:
        if ch in _NARROW:
            width += 3.9
        elif ch in _WIDE:
            width += 10.0
        elif ch.isupper() or ch.isdigit():
            width += 7.4
        else:
            width += 6.6
    return width


COLORS = {"none": "#b71c1c", "some": "#a24a00", "all": "#1b5e20", "empty": "#555a66"}


def badge_color(h: Headline) -> str:
    if h.total == 0:
        return COLORS["empty"]
    if h.complied == h.total:
        return COLORS["all"]
    return COLORS["none"] if h.complied == 0 else COLORS["some"]


def render_badge(order: PublicCourtOrder, lang: Lang) -> str:
    h = headline(order)
    left = _authority(h, lang)
    right_parts = [_complied(h, lang)]
    if h.days is not None:
        right_parts.append(i18n.plural(lang, "badge_days", h.days))
    right = " · ".join(right_parts)
    label = " · ".join(headline_parts(order, lang))
    if h.approximate and order.clock.notified_on is not None:
        when = i18n.documentary_date(order.clock.notified_on.date, order.clock.notified_on.precision, lang)
        label += f" ({i18n.TEXT[lang]['approximate_short'].format(when=when)})"
    lw, rw = round(text_width(left)) + 12, round(text_width(right)) + 12
    width = lw + rw
    font = 'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" viewBox="0 0 {width} 20" '
        f'role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#3c3f46"/>'
        f'<rect x="{lw}" width="{rw}" height="20" fill="{badge_color(h)}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" {font}>'
        f'<text x="{lw / 2:g}" y="14" textLength="{lw - 12}" lengthAdjust="spacingAndGlyphs">{escape(left)}</text>'
        f'<text x="{lw + rw / 2:g}" y="14" textLength="{rw - 12}" lengthAdjust="spacingAndGlyphs">'
        f"{escape(right)}</text></g></svg>\n"
    )
