"""The deadline checker: which occurrences are due soon or overdue, one alert per occurrence, threshold and
recipient, and one outbox notification per new alert.

Everything but extending recurring schedules is set-based SQL: the alerts are one
``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` and their notifications an ``INSERT … SELECT`` from
what it returned, in the same statement. Running a check twice changes nothing; an occurrence that was due
soon and is now overdue gets a second alert (another threshold).

Recipients are every active admin and editor (``user:<id>``, by e-mail) and every active webhook
subscription of an active partner to ``obligation.overdue`` or ``obligation.due_soon`` (``webhook:<id>``).
Partners only ever hear of orders whose visibility is ``public`` or ``partners``.

Each occurrence carries a marker, `alerted_threshold`: every recipient had its alerts for that occurrence
up to that threshold when it was set, for the set of recipients (and of court orders partners may hear of)
fingerprinted in `alerted_for`. A check compares with the alerts only the open occurrences not yet marked at
the threshold they have reached (a partial index holds them), so a check that finds nothing new reads a few
index entries instead of proving every alert exists. When the recipients change (a new editor, a webhook
subscription, an order made public), the markers of the old set are cleared and the next comparison is the
full one, once. Markers only rise: a check as of an earlier date does not re-alert what a later one marked.

Checks are serialised by a transaction-level advisory lock: a check run by hand while another runs waits
for it, then finds its work done (two concurrent ``INSERT … ON CONFLICT`` of the same rows could otherwise
deadlock each other).
"""

import hashlib
import logging
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.court_orders.models import CourtOrder
from api.deadlines.schemas import CheckReport
from api.errors import invalid
from api.notifications.models import Alert, Channel, Notification, Threshold
from api.notifications.service import PARTNER_VISIBLE
from api.obligations import schedule as rules
from api.obligations.models import Obligation, ObligationKind, Occurrence
from api.obligations.service import HORIZON, statuses_by_sequence
from api.partners.models import Partner
from api.users.models import Role, User
from api.webhooks.models import WebhookSubscription

logger = logging.getLogger("vigia.deadlines")

ComplianceStatus = rules.ComplianceStatus

EVENT_TYPES = {Threshold.overdue: "obligation.overdue", Threshold.due_soon: "obligation.due_soon"}
STAFF_RECIPIENTS = (Role.admin, Role.editor)
# pg_advisory_xact_lock key serialising checks ("VIGICHK1"; the audit chain uses another key).
CHECK_LOCK_KEY = 0x5649474943484B31
# Open occurrences, with the status written in the SQL: the partial index on open occurrences' due dates
# matches only a plan that sees the value, which a generic plan of a prepared statement does not.
OPEN = Occurrence.status != literal_column(f"'{ComplianceStatus.complied.value}'")
# Not marked at the last threshold, written as the partial index `ix_obligation_occurrences_unalerted_due`
# says it, literally, so that the planner can prove the index applies.
NOT_MARKED_OVERDUE = or_(
    Occurrence.alerted_threshold.is_(None),
    Occurrence.alerted_threshold == literal_column(f"'{Threshold.due_soon.value}'"),
)
_OCCURRENCES = Occurrence.metadata.tables["obligation_occurrences"]


async def check(session: AsyncSession, *, as_of: date, within_days: int) -> CheckReport:
    """Check every deadline as of `as_of` (a date in Mexico City), within the caller's transaction."""
    if within_days < 0:
        raise invalid("within_days", "must not be negative")
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHECK_LOCK_KEY})
    await audit.serialize_writes(session)
    added = await extend_occurrences(session, as_of)
    soon_until = as_of + timedelta(days=within_days)
    overdue, due_soon = (
        await session.execute(
            select(
                func.count().filter(Occurrence.due_on < as_of),
                func.count().filter(Occurrence.due_on >= as_of),
            ).where(OPEN, Occurrence.due_on <= soon_until)
        )
    ).one()
    fingerprint = await recipients_fingerprint(session)
    await _clear_stale_marks(session, fingerprint)
    alerts, notifications = (await session.execute(_alert_statement(as_of, soon_until))).one()
    await session.execute(_mark_statement(as_of, soon_until, fingerprint))
    report = CheckReport(
        as_of=as_of,
        within_days=within_days,
        overdue=overdue,
        due_soon=due_soon,
        occurrences_added=added,
        alerts_created=alerts,
        notifications_created=notifications,
    )
    logger.info(
        "deadline check as of %s: %d overdue, %d due soon, %d occurrences added, %d alerts, %d notifications",
        as_of.isoformat(),
        overdue,
        due_soon,
        added,
        alerts,
        notifications,
    )
    return report


# --- (a) occurrences of recurring and continuous obligations -------------------------------------------


def _may_continue(last_sequence: Any, last_due: Any) -> ColumnElement[bool]:
    """SQL: the obligation's schedule may have dates after its last occurrence. Continuous reviews and
    open-ended recurrences always may; a recurrence with COUNT or UNTIL (stored normalised: upper case,
    UNTIL as YYYYMMDD) only until it is exhausted, so finished series are not recomputed on every check."""
    rule = Obligation.schedule["rrule"].astext
    count = cast(func.substring(rule, literal(r"(?:^|;)COUNT=(\d+)", String)), Integer)
    until = func.to_date(func.substring(rule, literal(r"(?:^|;)UNTIL=(\d{8})", String)), literal("YYYYMMDD", String))
    return or_(
        Obligation.kind == ObligationKind.continuous,
        last_sequence.is_(None),
        and_(count.is_(None), until.is_(None)),
        count > last_sequence,
        until > last_due,
    )


async def extend_occurrences(session: AsyncSession, as_of: date) -> int:
    """Add the occurrences of recurring and continuous obligations up to `as_of` + HORIZON that are not
    there yet (keeping the existing ones, their ids and their alerts). Returns how many were added.

    Loops per obligation, in Python (the schedule rules live there); only obligations whose last
    occurrence falls before the horizon and whose schedule may go on are read, and they are locked
    FOR SHARE so that an edit of the schedule, which rebuilds the occurrences, cannot interleave."""
    until = as_of + HORIZON
    last = (
        select(Occurrence.sequence, Occurrence.due_on)
        .where(Occurrence.obligation_id == Obligation.id)
        .order_by(Occurrence.sequence.desc())
        .limit(1)
        .lateral("last_occurrence")
    )
    rows = (
        await session.execute(
            select(Obligation, CourtOrder.notified_on, CourtOrder.notified_on_precision, last.c.sequence)
            .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
            .outerjoin(last, true())
            .where(
                Obligation.kind.in_((ObligationKind.recurring, ObligationKind.continuous)),
                Obligation.schedule.is_not(None),
                or_(last.c.due_on.is_(None), last.c.due_on < until),
                _may_continue(last.c.sequence, last.c.due_on),
            )
            .order_by(Obligation.id)
            .with_for_update(read=True, of=Obligation)
        )
    ).all()
    added = 0
    for obligation, notified_on, precision, last_sequence in rows:
        try:
            found = rules.occurrences(
                rules.parse_schedule(obligation.schedule),
                notified_on=notified_on,
                notified_precision=precision or "day",
                calendar=rules.WorkCalendar(),
                until=until,
            )
        except rules.ScheduleError:
            logger.warning("obligation %s: stored schedule not usable; occurrences not extended", obligation.id)
            continue
        new = [o for o in found if o.sequence > (last_sequence or 0)]
        if not new:
            continue
        statuses = await statuses_by_sequence(session, obligation)
        values = []
        for item in new:
            status, complied_on = statuses.get(item.sequence, (ComplianceStatus.pending, None))
            values.append(
                {
                    "obligation_id": obligation.id,
                    "sequence": item.sequence,
                    "due_on": item.due_on,
                    "status": status,
                    "complied_on": complied_on,
                }
            )
        inserted = await session.execute(
            pg_insert(Occurrence)
            .values(values)
            .on_conflict_do_nothing(constraint="uq_obligation_occurrences_sequence")
            .returning(Occurrence.id)
        )
        added += len(inserted.all())
    return added


# --- (b) alerts and (c) notifications -----------------------------------------------------------------


def _recipients() -> Any:
    """Who hears of deadlines: (recipient key, channel, channel recipient, sees every order, wants each)."""
    staff = select(
        (literal("user:", String) + cast(User.id, String)).label("recipient"),
        literal(Channel.email.value, String).label("channel"),
        cast(User.id, String).label("target"),
        true().label("sees_all"),
        true().label("wants_overdue"),
        true().label("wants_due_soon"),
    ).where(User.is_active.is_(True), User.role.in_(STAFF_RECIPIENTS))
    events = WebhookSubscription.events
    webhooks = (
        select(
            (literal("webhook:", String) + cast(WebhookSubscription.id, String)).label("recipient"),
            literal(Channel.webhook.value, String).label("channel"),
            cast(WebhookSubscription.id, String).label("target"),
            false().label("sees_all"),
            events.contains([EVENT_TYPES[Threshold.overdue]]).label("wants_overdue"),
            events.contains([EVENT_TYPES[Threshold.due_soon]]).label("wants_due_soon"),
        )
        .join(Partner, Partner.id == WebhookSubscription.partner_id)
        .where(
            WebhookSubscription.is_active.is_(True),
            Partner.is_active.is_(True),
            events.overlap(list(EVENT_TYPES.values())),
        )
    )
    return union_all(staff, webhooks).cte("recipients")


async def recipients_fingerprint(session: AsyncSession) -> str:
    """A digest of who hears of deadlines and of what: the recipients with their wishes, and (when a
    partner's webhook is among them) which court orders partners may hear of."""
    recipients = _recipients()
    who = (
        await session.execute(
            select(
                recipients.c.recipient, recipients.c.sees_all, recipients.c.wants_overdue, recipients.c.wants_due_soon
            ).order_by(recipients.c.recipient)
        )
    ).all()
    parts = [f"{r.recipient}:{int(r.sees_all)}{int(r.wants_overdue)}{int(r.wants_due_soon)}" for r in who]
    if any(not r.sees_all for r in who):
        shared = await session.scalars(
            select(CourtOrder.id).where(CourtOrder.visibility.in_(PARTNER_VISIBLE)).order_by(CourtOrder.id)
        )
        parts.append("shared:" + ",".join(str(order_id) for order_id in shared))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def _clear_stale_marks(session: AsyncSession, fingerprint: str) -> None:
    # Written as two ranges: a b-tree index answers `<` and `>`, not `<>`.
    await session.execute(
        update(_OCCURRENCES)
        .where(
            _OCCURRENCES.c.alerted_threshold.is_not(None),
            or_(_OCCURRENCES.c.alerted_for < fingerprint, _OCCURRENCES.c.alerted_for > fingerprint),
        )
        .values(alerted_threshold=None, alerted_for=None)
    )


def _threshold(as_of: date) -> Any:
    return case(
        (Occurrence.due_on < as_of, literal(Threshold.overdue.value, String)),
        else_=literal(Threshold.due_soon.value, String),
    )


def _unmarked(as_of: date, soon_until: date) -> list[ColumnElement[bool]]:
    """The open occurrences that reached a threshold they are not marked at."""
    return [
        OPEN,
        NOT_MARKED_OVERDUE,
        Occurrence.due_on <= soon_until,
        # unmarked, or marked due soon and now overdue
        or_(Occurrence.alerted_threshold.is_(None), Occurrence.due_on < as_of),
    ]


def _mark_statement(as_of: date, soon_until: date, fingerprint: str) -> Any:
    """Mark what `_alert_statement` just compared with the alerts (in the same transaction, under the lock)."""
    return (
        update(Occurrence)
        .where(*_unmarked(as_of, soon_until))
        .values(alerted_threshold=_threshold(as_of), alerted_for=fingerprint)
        .execution_options(synchronize_session=False)
    )


def _alert_statement(as_of: date, soon_until: date) -> Any:
    """One statement: insert the missing alerts, then a notification for each alert inserted; answers
    (alerts created, notifications created)."""
    recipients = _recipients()
    threshold = _threshold(as_of).label("threshold")
    due = (
        select(
            Occurrence.id.label("occurrence_id"),
            threshold,
            CourtOrder.visibility.in_([v.value for v in PARTNER_VISIBLE]).label("shared"),
        )
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
        .where(*_unmarked(as_of, soon_until))
        .cte("due")
    )
    wanted = select(due.c.occurrence_id, due.c.threshold, recipients.c.recipient, literal(as_of).label("as_of")).join(
        recipients,
        and_(
            or_(recipients.c.sees_all, due.c.shared),
            case(
                (due.c.threshold == Threshold.overdue.value, recipients.c.wants_overdue),
                else_=recipients.c.wants_due_soon,
            ),
        ),
    )
    # The anti-join lets the planner skip existing alerts in bulk; ON CONFLICT still settles a race.
    missing = wanted.where(
        ~exists().where(
            Alert.occurrence_id == due.c.occurrence_id,
            Alert.threshold == due.c.threshold,
            Alert.recipient == recipients.c.recipient,
        )
    )
    new_alerts = (
        pg_insert(Alert)
        .from_select(["occurrence_id", "threshold", "recipient", "as_of"], missing)
        .on_conflict_do_nothing(constraint="uq_deadline_alerts_once")
        .returning(Alert.id, Alert.occurrence_id, Alert.threshold, Alert.recipient)
        .cte("new_alerts")
    )
    event_type = literal("obligation.", String) + new_alerts.c.threshold
    lateness = case(
        (
            new_alerts.c.threshold == Threshold.overdue.value,
            func.jsonb_build_object("days_late", literal(as_of) - Occurrence.due_on),
        ),
        else_=func.jsonb_build_object("days_left", Occurrence.due_on - literal(as_of)),
    )
    data = (
        func.jsonb_build_object(
            "obligation_id",
            Obligation.id,
            "court_order_id",
            Obligation.court_order_id,
            "obligated_id",
            Obligation.obligated_id,
            "number",
            Obligation.number,
            "description",
            Obligation.description,
            "occurrence_sequence",
            Occurrence.sequence,
            "status",
            Occurrence.status,
            "due_on",
            func.to_char(Occurrence.due_on, "YYYY-MM-DD"),
            "as_of",
            literal(as_of.isoformat(), String),
        ).op("||")(lateness)
    ).cast(JSONB)
    new_notifications = (
        pg_insert(Notification)
        .from_select(
            ["id", "channel", "recipient", "event_type", "payload", "alert_id"],
            select(
                func.gen_random_uuid(),
                recipients.c.channel,
                recipients.c.target,
                event_type,
                func.jsonb_build_object("type", event_type, "data", data),
                new_alerts.c.id,
            )
            .select_from(new_alerts)
            .join(recipients, recipients.c.recipient == new_alerts.c.recipient)
            .join(Occurrence, Occurrence.id == new_alerts.c.occurrence_id)
            .join(Obligation, Obligation.id == Occurrence.obligation_id),
        )
        .returning(Notification.id)
        .cte("new_notifications")
    )
    return select(
        select(func.count()).select_from(new_alerts).scalar_subquery(),
        select(func.count()).select_from(new_notifications).scalar_subquery(),
    )
