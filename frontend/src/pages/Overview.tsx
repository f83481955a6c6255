import { useEffect, useState } from 'preact/hooks';
import { allPages, api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import {
  Badge,
  Empty,
  ErrorNotice,
  Kpi,
  Loading,
  PageHeader,
  Section,
  useAsync,
} from '../components/ui';
import { ComplianceBar } from '../components/domain';
import { loadReference } from '../data';
import { capitalize, formatDate, formatDocumentaryDate, formatNumber, todayIso } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';

type Charts = typeof import('../charts/overview');

async function loadOverview() {
  const stat = (group_by: Schemas['CaseGroupBy']) =>
    api.GET('/api/v1/stats/cases', { params: { query: { group_by } } }).then(must);
  const [byState, byYear, bySector, byWave, deadlines, orders, obligations, ref] = await Promise.all([
    stat('state'),
    stat('year'),
    stat('sector'),
    stat('report_wave'),
    api.GET('/api/v1/deadlines', { params: { query: { within_days: 30 } } }).then(must),
    allPages((cursor) => api.GET('/api/v1/court-orders', { params: { query: { limit: 200, cursor } } }).then(must)),
    allPages((cursor) => api.GET('/api/v1/obligations', { params: { query: { limit: 200, cursor } } }).then(must)),
    loadReference(),
  ]);
  return { byState, byYear, bySector, byWave, deadlines, orders, obligations, ref };
}

function count(items: Schemas['StatItem'][]): Map<string, number> {
  return new Map(items.map((i) => [String(i.key), i.count ?? 0]));
}

/** Whole months from a documentary date to today (at the date's precision: never a made-up day). */
function monthsSince(value: Schemas['DocumentaryDate'], today: string): number {
  const [y, m] = [Number(value.date.slice(0, 4)), Number(value.date.slice(5, 7))];
  const [ty, tm] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  return Math.max(0, (ty - y) * 12 + (tm - m));
}

export default function Overview(_: PageProps) {
  const i = useI18n();
  const { t, n, l, lang } = i;
  const data = useAsync(loadOverview, []);
  const [charts, setCharts] = useState<Charts | null>(null);
  useEffect(() => {
    import('../charts/overview').then(setCharts);
  }, []);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return (
    <>
      <PageHeader title={t('overview.title')} />
      <Loading />
    </>
  );
  const { byState, byYear, bySector, byWave, deadlines, orders, obligations, ref } = data.data;
  const stateCounts = count(byState.items);
  const states = byState.items.filter((x) => (x.count ?? 0) > 0);
  const totalCases = [...count(bySector.items).values()].reduce((a, b) => a + b, 0);
  const sectorCounts = count(bySector.items);
  const complied = obligations.filter((o) => o.status === 'complied').length;
  const overdue = [...deadlines.overdue].sort((a, b) => (b.days_late ?? 0) - (a.days_late ?? 0));
  const today = todayIso();
  const ranked = [...states].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
  const maxState = Math.max(1, ...ranked.map((s) => s.count ?? 0));

  return (
    <>
      <PageHeader title={t('overview.title')} subtitle={t('overview.subtitle')} />

      <ul class="kpis" aria-label={t('overview.kpis')}>
        <Kpi value={formatNumber(totalCases, lang)} label={t('overview.kpi_cases')} />
        <Kpi value={<>{formatNumber(states.length, lang)} <span class="kpi-of">/ 32</span></>} label={t('overview.kpi_states')} />
        <Kpi
          value={<>{formatNumber(sectorCounts.get('public') ?? 0, lang)} · {formatNumber(sectorCounts.get('private') ?? 0, lang)}</>}
          label={t('overview.kpi_sector')}
        />
        <Kpi value={<>{formatNumber(complied, lang)} <span class="kpi-of">/ {formatNumber(obligations.length, lang)}</span></>} label={t('overview.kpi_complied')} alert={complied === 0 && obligations.length > 0} />
        <Kpi value={formatNumber(deadlines.overdue_total, lang)} label={t('overview.kpi_overdue')} alert={deadlines.overdue_total > 0} />
      </ul>

      <div class="grid-map">
        <Section title={t('overview.map_title')} class="map-card">
          <p class="card-intro">{t('overview.map_intro')}</p>
          {charts ? <charts.MexicoMap counts={stateCounts} names={ref.stateName} /> : <Loading label={t('overview.loading_map')} />}
        </Section>
        <Section title={t('overview.by_state')}>
          <ol class="ranked">
            {ranked.map((s) => (
              <li key={String(s.key)}>
                <Link href={`/cases?state=${s.key}`}>{ref.stateName(String(s.key))}</Link>
                <span class="ranked-bar" aria-hidden="true">
                  <span style={{ width: `${((s.count ?? 0) / maxState) * 100}%` }} />
                </span>
                <span class="ranked-count">{s.suppressed ? t('stats.suppressed') : formatNumber(s.count, lang)}</span>
              </li>
            ))}
          </ol>
        </Section>
      </div>

      <div class="grid-2">
        <Section title={t('overview.overdue_title')}>
          {overdue.length === 0 ? (
            <div class="notice notice-info" role="status">
              <p class="notice-title">{t('overview.no_overdue')}</p>
              <p>{t('overview.no_overdue_detail', { without: obligations.filter((o) => !o.next_due_on && o.status !== 'complied').length })}</p>
            </div>
          ) : (
            <ol class="overdue-list" data-testid="overdue-list">
              {overdue.map((d) => (
                <li key={`${d.obligation_id}-${d.occurrence_sequence}`}>
                  <div>
                    <Link href={`/obligations/${d.obligation_id}`}>
                      {t('obligation.number', { number: d.number })}: {d.description}
                    </Link>
                    <p class="meta">
                      {ref.institutionName(d.obligated_id)} · {t('deadline.due_on', { date: formatDate(d.due_on, lang) })}
                    </p>
                  </div>
                  <Badge tone="overdue">{n('count.days_late', d.days_late ?? 0)}</Badge>
                </li>
              ))}
            </ol>
          )}
          {deadlines.overdue_total > overdue.length && (
            <p class="meta">{t('overview.more_overdue', { n: deadlines.overdue_total - overdue.length })}</p>
          )}
          <p>
            <Link href="/court-orders/calendar">{t('overview.see_calendar')}</Link>
          </p>
        </Section>

        <Section title={t('overview.compliance_title')}>
          {orders.length === 0 && <Empty>{t('court_orders.none')}</Empty>}
          {orders.map((o) => {
            const c = o.compliance;
            const months = o.notified_on ? monthsSince(o.notified_on, today) : null;
            return (
              <article class="order-summary" key={o.id} data-testid="order-compliance">
                <h3>
                  <Link href={`/court-orders/${o.id}`}>{o.title}</Link>
                </h3>
                <p class="compliance-line">
                  <strong>{t('court_orders.complied_of', { complied: c.complied, total: c.total })}</strong>
                  {c.overdue > 0 && <Badge tone="overdue">{n('count.overdue', c.overdue)}</Badge>}
                </p>
                <ComplianceBar compliance={c} />
                {o.notified_on && (
                  <p class="meta">
                    {t('court_orders.notified', { date: formatDocumentaryDate(o.notified_on, lang) })}
                    {months !== null && c.complied < c.total && <> · {n('count.months_without', months)}</>}
                  </p>
                )}
              </article>
            );
          })}
        </Section>
      </div>

      <Section title={t('overview.by_year')}>
        <p class="card-intro">{t('overview.by_year_note')}</p>
        {charts ? <charts.YearChart items={byYear.items.map((x) => ({ key: Number(x.key), count: x.count ?? 0 }))} /> : <Loading />}
      </Section>

      <div class="grid-2">
        <Section title={t('overview.by_sector')}>
          {charts ? (
            <charts.ShareChart
              caption={t('overview.by_sector')}
              keyHeader={t('case.sector')}
              rows={bySector.items.map((x) => ({ key: String(x.key), label: capitalize(l('sector', x.key as string)), count: x.count ?? 0 }))}
            />
          ) : (
            <Loading />
          )}
        </Section>
        <Section title={t('overview.by_wave')}>
          <p class="card-intro">{t('overview.by_wave_note')}</p>
          {charts ? (
            <charts.ShareChart
              caption={t('overview.by_wave')}
              keyHeader={t('case.report_wave')}
              rows={[...byWave.items]
                .sort((a, b) => Number(a.key) - Number(b.key))
                .map((x) => ({ key: String(x.key), label: x.key === null ? t('common.unknown') : t('case.wave_n', { n: Number(x.key) }), count: x.count ?? 0 }))}
            />
          ) : (
            <Loading />
          )}
        </Section>
      </div>
    </>
  );
}
