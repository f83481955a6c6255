"""Words and numbers of the public answers, in Spanish (Mexico) and English.

Numbers follow each locale's CLDR conventions: es-MX and en-US both group thousands with a comma and
write decimals with a point ("1,215"; Spain's Spanish would write "1215" or "1.215", which is not the
public this serves). Dates are shown at their documentary precision, never with an invented day.
"""

import enum
from dataclasses import dataclass
from datetime import date

from api.obligations.schedule import ComplianceStatus
from api.orm import DatePrecision


class Lang(enum.StrEnum):
    es = "es"
    en = "en"


@dataclass(frozen=True)
class NumberFormat:
    group: str
    decimal: str


NUMBERS = {Lang.es: NumberFormat(group=",", decimal="."), Lang.en: NumberFormat(group=",", decimal=".")}
LOCALE_TAGS = {Lang.es: "es-MX", Lang.en: "en-US"}


def number(value: int, lang: Lang) -> str:
    """An integer with the locale's thousands separator: 1215 → "1,215"."""
    digits = f"{abs(value):d}"
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ("-" if value < 0 else "") + NUMBERS[lang].group.join(groups)


MONTHS = {
    Lang.es: (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    Lang.en: (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def day_date(value: date, lang: Lang) -> str:
    month = MONTHS[lang][value.month - 1]
    if lang is Lang.es:
        return f"{value.day} de {month} de {value.year}"
    return f"{month} {value.day}, {value.year}"


def documentary_date(value: date, precision: DatePrecision, lang: Lang) -> str:
    """ "agosto de 2023" for a month-precision date, "2021" for a year, the full date for a day."""
    if precision is DatePrecision.year:
        return f"{value.year}"
    if precision is DatePrecision.month:
        month = MONTHS[lang][value.month - 1]
        return f"{month} de {value.year}" if lang is Lang.es else f"{month} {value.year}"
    return day_date(value, lang)


STATUS = {
    Lang.es: {
        ComplianceStatus.pending: "Pendiente",
        ComplianceStatus.partial: "Cumplimiento parcial",
        ComplianceStatus.complied: "Cumplida",
        ComplianceStatus.disputed: "Controvertida",
    },
    Lang.en: {
        ComplianceStatus.pending: "Pending",
        ComplianceStatus.partial: "Partially complied",
        ComplianceStatus.complied: "Complied",
        ComplianceStatus.disputed: "Disputed",
    },
}

# The card's and badge's words. `{…}` are filled with already formatted (and escaped) values.
TEXT: dict[Lang, dict[str, str]] = {
    Lang.es: {
        "kicker": "Cumplimiento de una sentencia",
        "complied": "{done}/{total} cumplidas",
        "days_one": "{n} día desde la notificación",
        "days_many": "{n} días desde la notificación",
        "badge_days_one": "{n} día",
        "badge_days_many": "{n} días",
        "no_notification": "sin fecha de notificación",
        "approximate": (
            "Notificada en {when}: la fecha se conoce solo al {precision}, así que los días se cuentan desde "
            "el {start} y son aproximados."
        ),
        "approximate_short": "aproximado: notificada en {when}",
        "exact": "Notificada el {when}.",
        "precision_month": "mes",
        "precision_year": "año",
        "overdue_one": "vencida hace {n} día",
        "overdue_many": "vencida hace {n} días",
        "due_on": "vence el {date}",
        "no_due_date": "sin plazo señalado",
        "obligations": "Obligaciones",
        "progress": "{done} de {total} obligaciones cumplidas",
        "as_of": "Datos al {date}",
        "source": "Fuente: Vigía",
        "unknown_authority": "Autoridad obligada",
        "institutions": "{n} instituciones",
    },
    Lang.en: {
        "kicker": "Compliance with a court order",
        "complied": "{done}/{total} complied",
        "days_one": "{n} day since notification",
        "days_many": "{n} days since notification",
        "badge_days_one": "{n} day",
        "badge_days_many": "{n} days",
        "no_notification": "no notification date",
        "approximate": (
            "Notified in {when}: the date is known only to the {precision}, so days are counted from "
            "{start} and are approximate."
        ),
        "approximate_short": "approximate: notified in {when}",
        "exact": "Notified on {when}.",
        "precision_month": "month",
        "precision_year": "year",
        "overdue_one": "{n} day overdue",
        "overdue_many": "{n} days overdue",
        "due_on": "due {date}",
        "no_due_date": "no deadline set",
        "obligations": "Obligations",
        "progress": "{done} of {total} obligations complied",
        "as_of": "Data as of {date}",
        "source": "Source: Vigía",
        "unknown_authority": "Obligated authority",
        "institutions": "{n} institutions",
    },
}


def plural(lang: Lang, key: str, n: int) -> str:
    """`key_one` or `key_many` filled with the formatted number."""
    return TEXT[lang][f"{key}_one" if n == 1 else f"{key}_many"].format(n=number(n, lang))
