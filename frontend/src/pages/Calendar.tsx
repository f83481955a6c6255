import { useState } from 'preact/hooks';
import { allPages, api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { CalendarFeed } from '../components/feed';
import { Badge, Button, Empty, ErrorNotice, Loading, PageHeader, Section, useAsync } from '../components/ui';
import { loadReference } from '../data';
import { capitalize, daysBetween, formatDate, formatMonth, todayIso, truncate, weekdayNames } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { CourtOrderTabs } from './CourtOrders';

type Item = Schemas['DeadlineItem'];

const pad = (n: number) => String(n).padStart(2, '0');

async function load(year: number, month: number) {
  const first = `${year}-${pad(month + 1)}-01`;
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const [inMonth, upcoming, obligations, ref] = await Promise.all([
    api.GET('/api/v1/deadlines', { params: { query: { as_of: first, within_days: days - 1, limit: 1000 } } }).then(must),
    api.GET('/api/v1/deadlines', { params: { query: { within_days: 90, limit: 1000 } } }).then(must),
    allPages((cursor) => api.GET('/api/v1/obligations', { params: { query: { limit: 200, cursor } } }).then(must)),
    loadReference(),
  ]);
  return { inMonth, upcoming, withoutDeadline: obligations.filter((o) => !o.next_due_on && o.status !== 'complied'), ref, days };
}

export default function Calendar(_: PageProps) {
  const { t, n, lang } = useI18n();
  const today = todayIso();
  const [cursor, setCursor] = useState({ year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) - 1 });
  const data = useAsync(() => load(cursor.year, cursor.month), [cursor.year, cursor.month]);
  const move = (delta: number) => {
    const m = cursor.month + delta;
    setCursor({ year: cursor.year + Math.floor(m / 12), month: ((m % 12) + 12) % 12 });
  };
  const monthName = capitalize(formatMonth(cursor.year, cursor.month, lang));

  let grid = null;
  if (data.data) {
    const byDay = new Map<string, Item[]>();
    for (const item of data.data.inMonth.due_soon) {
      byDay.set(item.due_on, [...(byDay.get(item.due_on) ?? []), item]);
    }
    const firstWeekday = (new Date(Date.UTC(cursor.year, cursor.month, 1)).getUTCDay() + 6) % 7;
    const cells: (number | null)[] = [...Array(firstWeekday).fill(null), ...Array.from({ length: data.data.days }, (_, k) => k + 1)];
    while (cells.length % 7) cells.push(null);
    const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
    const names = weekdayNames(lang);
    grid = (
      <table class="calendar" data-testid="calendar">
        <caption class="sr-only">{monthName}</caption>
        <thead>
          <tr>
            {names.map((d) => (
              <th scope="col" key={d}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((day, d) => {
                if (day === null) return <td key={d} class="calendar-empty" />;
                const iso = `${cursor.year}-${pad(cursor.month + 1)}-${pad(day)}`;
                const items = byDay.get(iso) ?? [];
                return (
                  <td key={d} class={`${iso === today ? 'is-today' : ''} ${items.length ? 'has-items' : ''}`}>
                    <span class="calendar-day">
                      {day}
                      {iso === today && <span class="sr-only"> ({t('calendar.today')})</span>}
                    </span>
                    {items.map((item) => (
                      <Link
                        key={`${item.obligation_id}-${item.occurrence_sequence}`}
                        href={`/obligations/${item.obligation_id}`}
                        class={`calendar-item ${item.due_on < today ? 'is-late' : ''}`}
                      >
                        {t('obligation.number', { number: item.number })}
                      </Link>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <>
      <PageHeader title={t('calendar.title')} subtitle={t('calendar.subtitle')} />
      <CourtOrderTabs current="/court-orders/calendar" />
      {data.error ? <ErrorNotice error={data.error} /> : null}
      <div class="grid-detail">
        <Section
          title={monthName}
          actions={
            <div class="button-group">
              <Button onClick={() => move(-1)} aria-label={t('calendar.previous')}>
                ←
              </Button>
              <Button onClick={() => setCursor({ year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) - 1 })}>
                {t('calendar.today')}
              </Button>
              <Button onClick={() => move(1)} aria-label={t('calendar.next')}>
                →
              </Button>
            </div>
          }
        >
          {data.data ? grid : <Loading />}
          {data.data && data.data.inMonth.due_soon.length === 0 && <p class="meta">{t('calendar.none_in_month')}</p>}
        </Section>
        <div class="stack">
          <Section title={t('calendar.overdue')}>
            {!data.data ? (
              <Loading />
            ) : data.data.upcoming.overdue.length === 0 ? (
              <Empty>{t('calendar.no_overdue')}</Empty>
            ) : (
              <ol class="plain-list">
                {data.data.upcoming.overdue.map((d) => (
                  <li key={`${d.obligation_id}-${d.occurrence_sequence}`}>
                    <Link href={`/obligations/${d.obligation_id}`}>{t('obligation.number', { number: d.number })}: {d.description}</Link>{' '}
                    <Badge tone="overdue">{n('count.days_late', d.days_late ?? 0)}</Badge>
                  </li>
                ))}
              </ol>
            )}
          </Section>
          <Section title={t('calendar.upcoming')}>
            {!data.data ? (
              <Loading />
            ) : data.data.upcoming.due_soon.length === 0 ? (
              <Empty>{t('calendar.no_upcoming')}</Empty>
            ) : (
              <ol class="plain-list">
                {data.data.upcoming.due_soon.map((d) => (
                  <li key={`${d.obligation_id}-${d.occurrence_sequence}`}>
                    <Link href={`/obligations/${d.obligation_id}`}>{t('obligation.number', { number: d.number })}: {d.description}</Link>
                    <p class="meta">
                      {formatDate(d.due_on, lang)} · {n('count.days_left', d.days_left ?? daysBetween(today, d.due_on))}
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </Section>
          {data.data && data.data.withoutDeadline.length > 0 && (
            <Section title={t('calendar.without_deadline')}>
              <p>{n('count.without_deadline', data.data.withoutDeadline.length)}</p>
              <ul class="plain-list">
                {data.data.withoutDeadline.map((o) => (
                  <li key={o.id}>
                    <Link href={`/obligations/${o.id}`} title={o.description}>
                      {t('obligation.number', { number: o.number })}: {truncate(o.description, 90)}
                    </Link>
                    <span class="meta"> · {data.data!.ref.institutionName(o.obligated_id)}</span>
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </div>
      </div>
      <CalendarFeed />
    </>
  );
}
