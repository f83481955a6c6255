"""The rules on persons of interest and their posts, as plain functions without I/O.

The vocabulary keeps the presumption of innocence: a person is "señalada" (named), never an
"agresor" or a "perpetrador"; only a conviction is a finding of guilt.
"""

from datetime import date

from api.persons.models import LegalSituation, StaffRole
from api.schemas import DocumentaryDate

PERSON_LABEL = "persona señalada"

LEGAL_SITUATION_LABELS: dict[LegalSituation, str] = {
    LegalSituation.named: "señalada",
    LegalSituation.accused: "imputada",
    LegalSituation.bound_over: "vinculada a proceso",
    LegalSituation.convicted: "sentenciada",
    LegalSituation.acquitted: "absuelta",
}

ROLE_LABELS: dict[StaffRole, str] = {
    StaffRole.teacher: "docente",
    StaffRole.director: "dirección",
    StaffRole.maintenance: "mantenimiento",
    StaffRole.other: "otro puesto",
}

# Named, charged or sent to trial, but with no verdict either way: the report's "not tried".
NOT_TRIED = frozenset({LegalSituation.named, LegalSituation.accused, LegalSituation.bound_over})


def not_tried(situation: LegalSituation) -> bool:
    return situation in NOT_TRIED


def is_current(ended_on: date | None) -> bool:
    """A post is current while it has no end: an ended post, whenever it ended, is not."""
    return ended_on is None


def ends_before_start(started_on: DocumentaryDate | None, ended_on: DocumentaryDate | None) -> bool:
    """Whether a period certainly ends before it starts. Imprecise dates get the benefit of the doubt: a
    post from 15 May 2019 that ended "in May 2019" is possible."""
    if started_on is None or ended_on is None:
        return False
    return ended_on.last_day() < started_on.date


def period_label(started_on: DocumentaryDate | None, ended_on: DocumentaryDate | None) -> str:
    """How a post's period reads in the network ("2015-2018", "2019-", "?-2020")."""
    start = started_on.display() if started_on is not None else "?"
    end = ended_on.display() if ended_on is not None else ""
    return f"{start}-{end}"


def person_detail(situation: LegalSituation) -> str:
    return f"{PERSON_LABEL} · {LEGAL_SITUATION_LABELS[situation]}"


def assignment_label(role: StaffRole, started_on: DocumentaryDate | None, ended_on: DocumentaryDate | None) -> str:
    return f"{ROLE_LABELS[role]} {period_label(started_on, ended_on)}"
