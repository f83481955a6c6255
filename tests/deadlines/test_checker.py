"""The deadline checker on real PostgreSQL: thresholds, recipients, idempotence, extended schedules."""

from datetime import date

import pytest
from sqlalchemy import select

from api.access import SYSTEM
from api.deadlines.checker import check
from api.errors import InvalidInput
from api.notifications.models import Alert, Channel, Notification
from api.obligations.schedule import ComplianceStatus
from api.obligations.schemas import StatusChangeCreate
from api.obligations.service import record_status_change, regenerate
from api.orm import Visibility
from api.partners.models import Partner
from api.users.models import Role
from tests.deadlines.helpers import (
    alerts,
    count,
    due,
    make_obligation,
    make_order,
    make_subscription,
    make_user,
    notifications,
    occurrences_of,
)

DEADLINE = date(2024, 3, 1)


async def test_before_the_deadline_nothing_after_it_overdue(session):
    admin = await make_user(session, Role.admin)
    editor = await make_user(session, Role.editor)
    await make_user(session, Role.viewer)  # viewers get no alerts
    await make_user(session, Role.admin, active=False)
    order = await make_order(session)
    obligation = await make_obligation(session, order, due(DEADLINE))
    [occurrence] = await occurrences_of(session, obligation)

    early = await check(session, as_of=date(2024, 1, 1), within_days=30)
    assert (early.overdue, early.due_soon, early.alerts_created, early.notifications_created) == (0, 0, 0, 0)

    soon = await check(session, as_of=date(2024, 2, 15), within_days=30)
    assert (soon.overdue, soon.due_soon, soon.alerts_created, soon.notifications_created) == (0, 1, 2, 2)
    assert await alerts(session) == {
        (occurrence.id, "due_soon", f"user:{admin.id}"),
        (occurrence.id, "due_soon", f"user:{editor.id}"),
    }

    late = await check(session, as_of=date(2024, 3, 2), within_days=30)
    assert (late.overdue, late.due_soon, late.alerts_created, late.notifications_created) == (1, 0, 2, 2)

    mails = [n for n in await notifications(session) if n.event_type == "obligation.overdue"]
    assert {n.recipient for n in mails} == {str(admin.id), str(editor.id)}
    assert {n.channel for n in mails} == {Channel.email}
    payload = mails[0].payload
    assert payload["type"] == "obligation.overdue"
    assert payload["data"] == {
        "obligation_id": str(obligation.id),
        "court_order_id": str(order.id),
        "obligated_id": str(obligation.obligated_id),
        "number": 1,
        "description": obligation.description,
        "occurrence_sequence": 1,
        "status": "pending",
        "due_on": "2024-03-01",
        "days_late": 1,
        "as_of": "2024-03-02",
    }
    soon_payload = next(n for n in await notifications(session) if n.event_type == "obligation.due_soon").payload
    assert soon_payload["data"]["days_left"] == 15 and "days_late" not in soon_payload["data"]


async def test_due_on_the_day_is_due_soon_not_overdue(session):
    await make_user(session, Role.admin)
    await make_obligation(session, await make_order(session), due(DEADLINE))
    report = await check(session, as_of=DEADLINE, within_days=0)
    assert (report.overdue, report.due_soon, report.alerts_created) == (0, 1, 1)


async def test_twice_in_a_row_changes_nothing(session):
    await make_user(session, Role.admin)
    await make_user(session, Role.editor)
    order = await make_order(session, Visibility.public)
    await make_obligation(session, order, due(DEADLINE), number=1)
    await make_obligation(session, order, due(date(2024, 3, 20)), number=2)
    await make_subscription(session, ["obligation.overdue", "obligation.due_soon"])

    first = await check(session, as_of=date(2024, 3, 10), within_days=30)
    rows = await alerts(session), await count(session, Alert), await count(session, Notification)
    second = await check(session, as_of=date(2024, 3, 10), within_days=30)

    assert (first.overdue, first.due_soon, first.alerts_created, first.notifications_created) == (1, 1, 6, 6)
    assert (second.overdue, second.due_soon, second.alerts_created, second.notifications_created) == (1, 1, 0, 0)
    assert (await alerts(session), await count(session, Alert), await count(session, Notification)) == rows
    assert rows[1] == rows[2] == 6


async def test_due_soon_then_overdue_gives_two_alerts(session):
    admin = await make_user(session, Role.admin)
    obligation = await make_obligation(session, await make_order(session), due(DEADLINE))
    [occurrence] = await occurrences_of(session, obligation)

    await check(session, as_of=date(2024, 2, 20), within_days=30)
    await check(session, as_of=date(2024, 2, 25), within_days=30)  # still due soon: nothing new
    await check(session, as_of=date(2024, 3, 5), within_days=30)
    await check(session, as_of=date(2024, 4, 5), within_days=30)  # still overdue: nothing new

    assert await alerts(session) == {
        (occurrence.id, "due_soon", f"user:{admin.id}"),
        (occurrence.id, "overdue", f"user:{admin.id}"),
    }
    assert sorted(n.event_type for n in await notifications(session)) == ["obligation.due_soon", "obligation.overdue"]
    as_of = {a.threshold.value: a.as_of for a in (await session.scalars(select(Alert))).all()}
    assert as_of == {"due_soon": date(2024, 2, 20), "overdue": date(2024, 3, 5)}


async def test_partners_hear_only_of_shared_orders_and_what_they_subscribed_to(session):
    staff = await make_user(session, Role.editor)
    public = await make_order(session, Visibility.public)
    shared = await make_order(session, Visibility.partners)
    internal = await make_order(session, Visibility.internal)
    restricted = await make_order(session, Visibility.restricted)
    for order in (public, shared, internal, restricted):
        await make_obligation(session, order, due(DEADLINE), number=1)
        await make_obligation(session, order, due(date(2024, 3, 20)), number=2)
    overdue_only = await make_subscription(session, ["obligation.overdue"])
    both = await make_subscription(session, ["obligation.due_soon", "obligation.overdue", "obligation.status_changed"])
    await make_subscription(session, ["obligation.status_changed"])
    await make_subscription(session, ["obligation.overdue"], active=False)
    of_inactive_partner = await make_subscription(session, ["obligation.overdue"])
    (await session.get_one(Partner, of_inactive_partner.partner_id)).is_active = False
    await session.flush()

    report = await check(session, as_of=date(2024, 3, 10), within_days=30)

    assert (report.overdue, report.due_soon) == (4, 4)
    found = await alerts(session)
    by_recipient: dict[str, set[str]] = {}
    for _, threshold, recipient in found:
        by_recipient.setdefault(recipient, set()).add(threshold)
    assert set(by_recipient) == {f"user:{staff.id}", f"webhook:{overdue_only.id}", f"webhook:{both.id}"}
    assert sum(1 for a in found if a[2] == f"user:{staff.id}") == 8
    assert sum(1 for a in found if a[2] == f"webhook:{overdue_only.id}") == 2  # public and shared, overdue
    assert sum(1 for a in found if a[2] == f"webhook:{both.id}") == 4
    hooks = [n for n in await notifications(session) if n.channel is Channel.webhook]
    assert {n.payload["data"]["court_order_id"] for n in hooks} == {str(public.id), str(shared.id)}
    assert {n.recipient for n in hooks} == {str(overdue_only.id), str(both.id)}
    assert report.alerts_created == report.notifications_created == len(found) == 14


async def test_complied_occurrences_are_not_alerted(session):
    await make_user(session, Role.admin)
    obligation = await make_obligation(session, await make_order(session), due(DEADLINE))
    await record_status_change(
        session,
        SYSTEM,
        obligation.id,
        StatusChangeCreate(status=ComplianceStatus.complied, effective_on=date(2024, 2, 1), reason="Publicado."),
        date(2024, 2, 2),
    )
    report = await check(session, as_of=date(2024, 3, 10), within_days=30)
    assert (report.overdue, report.alerts_created) == (0, 0)


async def test_partial_compliance_is_still_overdue(session):
    await make_user(session, Role.admin)
    obligation = await make_obligation(session, await make_order(session), due(DEADLINE))
    await record_status_change(
        session,
        SYSTEM,
        obligation.id,
        StatusChangeCreate(status=ComplianceStatus.partial, effective_on=date(2024, 2, 1), reason="Avance parcial."),
        date(2024, 2, 2),
    )
    report = await check(session, as_of=date(2024, 3, 10), within_days=30)
    assert (report.overdue, report.alerts_created) == (1, 1)
    [mail] = await notifications(session)
    assert mail.payload["data"]["status"] == "partial"


async def test_continuous_obligations_get_their_later_reviews(session):
    await make_user(session, Role.admin)
    order = await make_order(session)
    schedule = {"kind": "continuous", "review_every_months": 6, "starts_on": "2020-01-01"}
    obligation = await make_obligation(session, order, schedule, created_on=date(2020, 1, 1))
    before = await occurrences_of(session, obligation)
    assert [o.due_on for o in before] == [date(2020, 7, 1), date(2021, 1, 1), date(2021, 7, 1), date(2022, 1, 1)]

    report = await check(session, as_of=date(2024, 6, 1), within_days=30)

    after = await occurrences_of(session, obligation)
    assert report.occurrences_added == len(after) - 4 == 8
    assert after[-1].due_on == date(2026, 1, 1)  # up to as_of + the horizon
    assert [(o.id, o.due_on) for o in after[:4]] == [(o.id, o.due_on) for o in before]  # kept, ids and all
    assert (report.overdue, report.due_soon) == (8, 1)  # 2020-07 … 2024-01; 2024-07-01
    again = await check(session, as_of=date(2024, 6, 1), within_days=30)
    assert (again.occurrences_added, again.alerts_created) == (0, 0)


@pytest.mark.parametrize(
    ("rrule", "added"),
    [("FREQ=YEARLY;COUNT=3", 0), ("FREQ=YEARLY;COUNT=6", 3), ("FREQ=YEARLY;UNTIL=20220101", 0), ("FREQ=YEARLY", 4)],
)
async def test_finished_recurrences_are_not_extended(session, rrule, added):
    order = await make_order(session)
    schedule = {"kind": "recurring", "rrule": rrule, "starts_on": "2020-01-01"}
    obligation = await make_obligation(session, order, schedule, created_on=date(2020, 1, 1))
    assert len(await occurrences_of(session, obligation)) == 3  # 2020, 2021, 2022 within the horizon
    report = await check(session, as_of=date(2024, 6, 1), within_days=30)
    assert report.occurrences_added == added


async def test_later_periods_take_their_recorded_status(session):
    """A period's status survives its occurrence being rebuilt and extended again."""
    order = await make_order(session)
    schedule = {"kind": "recurring", "rrule": "FREQ=YEARLY", "starts_on": "2020-01-01"}
    obligation = await make_obligation(session, order, schedule, created_on=date(2020, 1, 1))
    await record_status_change(
        session,
        SYSTEM,
        obligation.id,
        StatusChangeCreate(
            status=ComplianceStatus.complied, effective_on=date(2020, 2, 1), reason="Hecho.", occurrence_sequence=3
        ),
        date(2020, 2, 2),
    )
    # The schedule is edited to start later: periods 3 and up disappear until the checker extends again.
    obligation.schedule = {"kind": "recurring", "rrule": "FREQ=YEARLY", "starts_on": "2021-01-01"}
    await session.flush()
    await regenerate(session, obligation, order, date(2020, 1, 1))
    assert len(await occurrences_of(session, obligation)) == 2
    await check(session, as_of=date(2024, 6, 1), within_days=30)
    statuses = {o.sequence: o.status for o in await occurrences_of(session, obligation)}
    assert statuses[3] is ComplianceStatus.complied
    assert statuses[4] is ComplianceStatus.pending


async def test_negative_window_is_refused(session):
    with pytest.raises(InvalidInput) as raised:
        await check(session, as_of=DEADLINE, within_days=-1)
    assert raised.value.errors[0].field == "within_days"
