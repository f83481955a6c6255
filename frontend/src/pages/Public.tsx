// The public page (/publico): no login. Only the service's /public endpoints, which answer anyone.
import { useEffect, useId, useState } from 'preact/hooks';
import { allPages, api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { ComplianceBar } from '../components/domain';
import { Badge, ComplianceBadge, DocDate, Empty, ErrorNotice, Kpi, Loading, PageHeader, Section, useAsync } from '../components/ui';
import { capitalize, formatDate, formatNumber } from '../format';
import { type I18n, useI18n } from '../i18n';

type Charts = typeof import('../charts/overview');
type StatItem = Schemas['StatItem'];
type Order = Schemas['PublicCourtOrder'];

const PUBLIC = '/api/v1/public';
const DATASETS: Schemas['Dataset'][] = ['cases', 'institutions', 'court_orders', 'obligations'];

async function loadPublic() {
  const stat = (group_by: Schemas['CaseGroupBy']) =>
    api.GET('/api/v1/public/stats/cases', { params: { query: { group_by } } }).then(must);
  const [byState, byYear, bySector, byWave, orders, dictionary] = await Promise.all([
    stat('state'),
    stat('year'),
    stat('sector'),
    stat('report_wave'),
    allPages((cursor) => api.GET('/api/v1/public/court-orders', { params: { query: { limit: 200, cursor } } }).then(must)),
    api.GET('/api/v1/public/data/dictionary').then(must),
  ]);
  return { byState, byYear, bySector, byWave, orders, dictionary };
}

/** A count as published: the number, or "fewer than 3" when withheld (never 0). */
function published(item: StatItem, i: I18n): string {
  return item.suppressed ? i.t('stats.suppressed') : formatNumber(item.count, i.lang);
}

const known = (items: StatItem[]) => items.filter((x) => x.suppressed || (x.count ?? 0) > 0);

export default function Public(_: PageProps) {
  const i = useI18n();
  const { t, l, lang } = i;
  const data = useAsync(loadPublic, []);
  const [charts, setCharts] = useState<Charts | null>(null);
  useEffect(() => {
    import('../charts/overview').then(setCharts);
  }, []);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data)
    return (
      <>
        <PageHeader title={t('public.title')} />
        <Loading />
      </>
    );
  const { byState, byYear, bySector, byWave, orders, dictionary } = data.data;
  const stateName = (code: string) => l('state', code);
  const states = known(byState.items);
  const counts = new Map(byState.items.filter((x) => !x.suppressed).map((x) => [String(x.key), x.count ?? 0]));
  const hidden = new Set(byState.items.filter((x) => x.suppressed).map((x) => String(x.key)));
  const ranked = [...states].sort((a, b) => (b.count ?? 1) - (a.count ?? 1) || stateName(String(a.key)).localeCompare(stateName(String(b.key)), lang));
  const maxState = Math.max(1, ...ranked.map((s) => s.count ?? 0));
  const anySuppressed = [byState, byYear, bySector, byWave].some((s) => s.items.some((x) => x.suppressed));
  // The total is known only when no sector's count is withheld.
  const totalCases = bySector.items.some((x) => x.suppressed) ? null : bySector.items.reduce((a, x) => a + (x.count ?? 0), 0);
  const obligationsTotal = orders.reduce((a, o) => a + o.clock.obligations_total, 0);
  const complied = orders.reduce((a, o) => a + o.clock.complied, 0);
  const rows = (items: StatItem[], label: (key: StatItem['key']) => string) =>
    items.map((x) => ({ key: String(x.key), label: label(x.key), count: x.count ?? 0, suppressed: x.suppressed }));

  return (
    <>
      <PageHeader title={t('public.title')} subtitle={t('public.subtitle')} />

      <ul class="kpis" aria-label={t('public.kpis')}>
        <Kpi value={formatNumber(totalCases, lang)} label={t('public.kpi_cases')} />
        <Kpi value={<>{formatNumber(states.length, lang)} <span class="kpi-of">/ 32</span></>} label={t('public.kpi_states')} />
        <Kpi value={formatNumber(orders.length, lang)} label={t('public.kpi_orders')} />
        <Kpi value={<>{formatNumber(complied, lang)} <span class="kpi-of">/ {formatNumber(obligationsTotal, lang)}</span></>} label={t('public.kpi_complied')} alert={complied === 0 && obligationsTotal > 0} />
      </ul>
      {anySuppressed && <p class="public-note">{t('public.suppression_note')}</p>}

      <div class="grid-map">
        <Section title={t('overview.map_title')} class="map-card">
          <p class="card-intro">{t('public.map_intro')}</p>
          {charts ? (
            <charts.MexicoMap counts={counts} suppressed={hidden} names={stateName} link={null} />
          ) : (
            <Loading label={t('overview.loading_map')} />
          )}
        </Section>
        <Section title={t('overview.by_state')}>
          <ol class="ranked ranked-wide" data-testid="public-states">
            {ranked.map((s) => (
              <li key={String(s.key)}>
                <span>{stateName(String(s.key))}</span>
                <span class="ranked-bar" aria-hidden="true">
                  <span style={{ width: `${((s.suppressed ? 2 : (s.count ?? 0)) / maxState) * 100}%` }} />
                </span>
                <span class="ranked-count">{published(s, i)}</span>
              </li>
            ))}
          </ol>
        </Section>
      </div>

      <Section title={t('public.orders_title')}>
        <p class="card-intro">{t('public.orders_intro')}</p>
        {orders.length === 0 && <Empty>{t('public.orders_none')}</Empty>}
        {orders.map((o) => (
          <PublicOrder key={o.id} order={o} />
        ))}
      </Section>

      <Section title={t('overview.by_year')}>
        <p class="card-intro">{t('overview.by_year_note')}</p>
        {charts ? (
          <charts.YearChart items={known(byYear.items).map((x) => ({ key: Number(x.key), count: x.count ?? 0, suppressed: x.suppressed }))} />
        ) : (
          <Loading />
        )}
        {byYear.items.some((x) => x.suppressed) && <p class="meta">{t('public.charts_suppressed')}</p>}
      </Section>

      <div class="grid-2">
        <Section title={t('overview.by_sector')}>
          {charts ? (
            <charts.ShareChart
              caption={t('overview.by_sector')}
              keyHeader={t('case.sector')}
              rows={rows(known(bySector.items), (k) => capitalize(l('sector', k as string)))}
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
              rows={rows(
                [...known(byWave.items)].sort((a, b) => Number(a.key) - Number(b.key)),
                (k) => (k === null ? t('common.unknown') : t('case.wave_n', { n: Number(k) })),
              )}
            />
          ) : (
            <Loading />
          )}
        </Section>
      </div>

      <Section title={t('public.downloads_title')} id="datos">
        <p class="card-intro">{t('public.downloads_intro')}</p>
        <ul class="downloads" data-testid="downloads">
          {DATASETS.map((name) => {
            const doc = dictionary.datasets.find((d) => d.name === name);
            const title = l('dataset', name);
            return (
              <li key={name}>
                <h3>{title}</h3>
                {doc && <p class="meta">{doc.description[lang]}</p>}
                <p class="links">
                  <a href={doc?.csv_url ?? `${PUBLIC}/data/${name}.csv`} download>
                    {t('public.download_csv', { name: title })}
                  </a>
                  <a href={doc?.json_url ?? `${PUBLIC}/data/${name}.json`} download>
                    {t('public.download_json', { name: title })}
                  </a>
                </p>
                {doc && doc.fields.length > 0 && (
                  <details>
                    <summary>{t('public.fields', { name: title })}</summary>
                    <table>
                      <caption class="sr-only">{t('public.fields', { name: title })}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t('public.field_name')}</th>
                          <th scope="col">{t('public.field_type')}</th>
                          <th scope="col">{t('public.field_description')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {doc.fields.map((f) => (
                          <tr key={f.name}>
                            <th scope="row" class="mono">
                              {f.name}
                            </th>
                            <td class="mono">{f.type}</td>
                            <td>{f.description[lang]}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                )}
              </li>
            );
          })}
        </ul>
        <p>
          <a href={`${PUBLIC}/data/dictionary`}>{t('public.dictionary')}</a>
        </p>
        <h3>{t('public.license')}</h3>
        <p>{dictionary.license_note[lang]}</p>
        <h3>{t('public.conventions')}</h3>
        <p>{dictionary.conventions[lang]}</p>
      </Section>
    </>
  );
}

/** "0 de 6 cumplidas · 1,215 días desde la notificación (aprox.)" */
function clockText(clock: Order['clock'], i: I18n): { complied: string; since: string | null } {
  return {
    complied: i.t('public.clock', { complied: clock.complied, total: clock.obligations_total }),
    since: clock.days_since_notification === null ? null : i.n('count.days_since', clock.days_since_notification),
  };
}

function PublicOrder({ order }: { order: Order }) {
  const i = useI18n();
  const { t, n, lang } = i;
  const c = order.clock;
  const text = clockText(c, i);
  const headingId = useId();
  return (
    <article class="order-summary" aria-labelledby={headingId} data-testid="public-order">
      <h3 id={headingId}>{order.title}</h3>
      <p class="meta">
        {order.court && (
          <>
            {t('public.court')}: {order.court.name}
          </>
        )}
        {order.file_number && (
          <>
            {' · '}
            {t('public.file_number')}: <span class="mono">{order.file_number}</span>
          </>
        )}
        {order.notified_on && (
          <>
            {' · '}
            {t('public.notified_on')}: <DocDate value={order.notified_on} />
          </>
        )}
      </p>
      <p class="clock-line" data-testid="order-clock">
        <strong>{text.complied}</strong>
        <span aria-hidden="true">·</span>
        {text.since === null ? (
          <span>{t('public.not_notified')}</span>
        ) : (
          <span>
            {text.since}
            {c.approximate && (
              <>
                {' '}
                <abbr title={t('public.approximate_detail', { date: formatDate(c.counted_from, lang) })}>{t('public.approximate')}</abbr>
              </>
            )}
          </span>
        )}
        {c.overdue > 0 && <Badge tone="overdue">{n('count.overdue', c.overdue)}</Badge>}
      </p>
      <ComplianceBar compliance={{ total: c.obligations_total, complied: c.complied, overdue: c.overdue, by_status: c.by_status }} />
      <p class="meta">{t('public.as_of', { date: formatDate(c.as_of, lang) })}</p>
      {order.summary && <p>{order.summary}</p>}
      {order.source_url && (
        <p>
          <a href={order.source_url} rel="noreferrer">
            {t('public.source')}
          </a>
        </p>
      )}

      <details>
        <summary>
          {t('public.obligations')} ({formatNumber(order.obligations.length, lang)})
        </summary>
        <ol class="public-obligations">
          {order.obligations.map((ob) => (
            <li key={ob.id}>
              <div>
                <p>
                  <strong>{t('obligation.number', { number: ob.number })}:</strong> {ob.description}
                </p>
                <p class="meta">
                  {ob.obligated && t('public.obligated', { name: ob.obligated.name })}
                  {ob.days_overdue === null
                    ? ` · ${ob.deadline_note || t('public.no_deadline')}`
                    : ob.due_on && ob.days_overdue === 0
                      ? ` · ${t('public.due_on', { date: formatDate(ob.due_on, lang) })}`
                      : ''}
                </p>
              </div>
              <div class="badges">
                <ComplianceBadge status={ob.status} />
                {ob.days_overdue !== null && ob.days_overdue > 0 && <Badge tone="overdue">{n('count.days_late', ob.days_overdue)}</Badge>}
              </div>
            </li>
          ))}
        </ol>
      </details>

      <Share order={order} />
    </article>
  );
}

/** The order's badge, and the snippet that embeds its card elsewhere (with a copy button). */
function Share({ order }: { order: Order }) {
  const { t, lang } = useI18n();
  const [copied, setCopied] = useState(false);
  const id = useId();
  const origin = typeof location === 'undefined' ? '' : location.origin;
  const badge = `${order.badge_url}?lang=${lang}`;
  const card = `${origin}${order.card_url}?lang=${lang}`;
  const title = t('public.embed_frame_title', { title: order.title }).replace(/"/g, '&quot;');
  const snippet = `<iframe src="${card}" title="${title}" width="420" height="190" style="border:0" loading="lazy"></iframe>`;
  return (
    <div class="share">
      <h4>{t('public.share_title')}</h4>
      <img
        src={badge}
        alt={t('public.badge_alt', { title: order.title, complied: order.clock.complied, total: order.clock.obligations_total })}
        data-testid="order-badge"
      />
      <p class="links">
        <a href={badge}>{t('public.badge_link')}</a> · <a href={`${order.card_url}?lang=${lang}`}>{t('public.card_link')}</a>
      </p>
      <label for={id}>{t('public.embed_label')}</label>
      <div class="copy-row">
        <textarea id={id} readOnly class="mono" value={snippet} onFocus={(e) => e.currentTarget.select()} data-testid="embed-snippet" />
        <button
          type="button"
          class="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(snippet);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? t('common.copied') : t('common.copy')}
        </button>
      </div>
      <p class="sr-only" role="status">
        {copied ? t('common.copied') : ''}
      </p>
    </div>
  );
}
