"""The checker's markers (migration 0007): a steady-state check compares only unmarked occurrences with the
alerts, and a change of recipients or of what partners may hear of still reaches everyone."""

from datetime import date

from sqlalchemy import select, text

from api.deadlines.checker import check
from api.obligations.models import Occurrence
from api.orm import Visibility
from api.users.models import Role
from tests.deadlines.helpers import (
    alerts,
    due,
    make_obligation,
    make_order,
    make_subscription,
    make_user,
    occurrences_of,
)

DEADLINE = date(2024, 3, 1)


async def marks(session) -> dict[int, str | None]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        select(Occurrence.id, Occurrence.alerted_threshold).execution_options(populate_existing=True)
    )
    return dict(rows.all())


async def test_checked_occurrences_are_marked_at_the_threshold_they_reached(session):
    await make_user(session, Role.admin)
    order = await make_order(session)
    late = (await make_obligation(session, order, due(DEADLINE), number=1)).id
    soon = (await make_obligation(session, order, due(date(2024, 3, 20)), number=2)).id
    later = (await make_obligation(session, order, due(date(2024, 9, 1)), number=3)).id

    await check(session, as_of=date(2024, 3, 10), within_days=30)
    by_obligation = dict(
        (await session.execute(text("SELECT obligation_id, alerted_threshold FROM obligation_occurrences"))).all()
    )
    assert (by_obligation[late], by_obligation[soon], by_obligation[later]) == ("overdue", "due_soon", None)

    again = await check(session, as_of=date(2024, 3, 10), within_days=30)
    assert (again.overdue, again.due_soon, again.alerts_created) == (1, 1, 0)
    nearly_due = await check(session, as_of=date(2024, 3, 25), within_days=30)  # due soon became overdue
    assert (nearly_due.overdue, nearly_due.alerts_created) == (2, 1)


async def test_a_new_recipient_hears_of_occurrences_already_marked(session):
    first = await make_user(session, Role.admin)
    obligation = await make_obligation(session, await make_order(session), due(DEADLINE))
    [occurrence] = await occurrences_of(session, obligation)
    assert (await check(session, as_of=date(2024, 3, 10), within_days=30)).alerts_created == 1

    second = await make_user(session, Role.editor)
    report = await check(session, as_of=date(2024, 3, 10), within_days=30)
    assert report.alerts_created == 1
    found = await alerts(session)
    assert {(t, r) for _, t, r in found} == {("overdue", f"user:{first.id}"), ("overdue", f"user:{second.id}")}
    assert {o for o, _, _ in found} == {occurrence.id}
    assert (await check(session, as_of=date(2024, 3, 10), within_days=30)).alerts_created == 0


async def test_an_order_shared_with_partners_later_reaches_their_webhooks(session):
    await make_user(session, Role.editor)
    hook = await make_subscription(session, ["obligation.overdue"])
    order = await make_order(session, Visibility.internal)
    await make_obligation(session, order, due(DEADLINE))
    assert (await check(session, as_of=date(2024, 3, 10), within_days=30)).alerts_created == 1  # staff only

    order.visibility = Visibility.partners
    await session.flush()
    report = await check(session, as_of=date(2024, 3, 10), within_days=30)
    assert report.alerts_created == 1
    assert f"webhook:{hook.id}" in {r for _, _, r in await alerts(session)}


async def test_markers_are_not_in_the_audit_trail(session):
    await make_user(session, Role.admin)
    await make_obligation(session, await make_order(session), due(DEADLINE))
    await check(session, as_of=date(2024, 3, 10), within_days=30)
    recorded = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE after ? 'alerted_threshold' OR before ? 'alerted_threshold'")
    )
    assert recorded == 0
    assert set((await marks(session)).values()) == {"overdue"}
