"""The pure rules on persons of interest and their posts."""

from datetime import date

import pytest

from api.orm import DatePrecision
from api.persons import rules
from api.persons.models import LegalSituation, StaffRole
from api.schemas import DocumentaryDate


def day(text: str, precision: DatePrecision = DatePrecision.day) -> DocumentaryDate:
    return DocumentaryDate(date=date.fromisoformat(text), precision=precision)


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        (LegalSituation.named, True),
        (LegalSituation.accused, True),
        (LegalSituation.bound_over, True),
        (LegalSituation.convicted, False),
        (LegalSituation.acquitted, False),
    ],
)
def test_not_tried_means_no_verdict_either_way(situation, expected):
    assert rules.not_tried(situation) is expected


def test_a_post_is_current_only_while_it_has_no_end():
    assert rules.is_current(None)
    assert not rules.is_current(date(2999, 1, 1))  # an end date, even a future one, is an end
    assert not rules.is_current(date(2020, 6, 30))


def test_a_period_may_not_end_before_it_starts():
    assert rules.ends_before_start(day("2020-05-01"), day("2019-12-31"))
    assert not rules.ends_before_start(day("2019-05-01"), day("2019-05-01"))
    assert not rules.ends_before_start(None, day("2019-05-01"))
    assert not rules.ends_before_start(day("2019-05-01"), None)


def test_an_imprecise_end_gets_the_benefit_of_the_doubt():
    # "Ended in May 2019" may be the 31st: a post from 15 May 2019 is possible.
    assert not rules.ends_before_start(day("2019-05-15"), day("2019-05-01", DatePrecision.month))
    assert not rules.ends_before_start(day("2019-05-15"), day("2019-01-01", DatePrecision.year))
    assert rules.ends_before_start(day("2019-05-15"), day("2019-04-01", DatePrecision.month))
    assert rules.ends_before_start(day("2019-05-15"), day("2018-01-01", DatePrecision.year))


def test_the_vocabulary_keeps_the_presumption_of_innocence():
    words = [rules.PERSON_LABEL, *rules.LEGAL_SITUATION_LABELS.values(), *rules.ROLE_LABELS.values()]
    assert set(rules.LEGAL_SITUATION_LABELS) == set(LegalSituation)
    assert set(rules.ROLE_LABELS) == set(StaffRole)
    for word in words:
        for forbidden in ("agresor", "perpetrador", "culpable", "abusador"):
            assert forbidden not in word.lower()
    assert rules.person_detail(LegalSituation.bound_over) == "persona señalada · vinculada a proceso"


def test_labels_of_posts():
    assert rules.period_label(day("2015-01-01", DatePrecision.year), day("2018-01-01", DatePrecision.year)) == (
        "2015-2018"
    )
    assert rules.period_label(day("2019-03-01", DatePrecision.month), None) == "2019-03-"
    assert rules.period_label(None, day("2020-01-01", DatePrecision.year)) == "?-2020"
    assert rules.assignment_label(StaffRole.director, day("2019-01-01", DatePrecision.year), None) == "dirección 2019-"
