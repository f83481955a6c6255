"""Deadline checks, their alerts and notifications, the scheduler that runs them, and the iCalendar feed.

`checker.check` finds occurrences due soon and overdue in SQL, records one alert per occurrence,
threshold and recipient, and queues one outbox notification per new alert; `scheduler` runs it (and the
outbox deliveries) on a timer, safely when several copies run; `calendar_feed` publishes the deadlines as
an iCalendar feed authenticated by per-owner feed tokens (`router`).
"""
