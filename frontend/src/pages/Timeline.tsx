// The timeline of cases: each case's documented period as a bar over the years, coloured by the
// report wave that documented it. Plain SVG: every bar is a link to its case, reachable by keyboard.
import { allPages, api, must } from '../api/client';
import type { PageProps } from '../app';
import { useWidth } from '../components/size';
import { Empty, ErrorNotice, Loading, PageHeader, Section, useAsync } from '../components/ui';
import { type TimelineRow, timelineRows, waveColor, wavesOf, yearDomain, yearTicks } from '../connections/timeline';
import { loadReference } from '../data';
import { formatPeriod, truncate } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';

async function loadTimeline() {
  const [cases, ref] = await Promise.all([
    allPages((cursor) => api.GET('/api/v1/cases', { params: { query: { limit: 200, cursor } } }).then(must)),
    loadReference(),
  ]);
  return { rows: timelineRows(cases), states: new Map(cases.map((c) => [c.id, c.state])), ref };
}

const ROW = 22;
const BAR = 14;
const LABEL = 230;
const TOP = 8;
const AXIS = 28;

export default function Timeline(_: PageProps) {
  const { t, n } = useI18n();
  const data = useAsync(loadTimeline, []);
  const header = <PageHeader title={t('timeline_page.title')} subtitle={t('timeline_page.subtitle')} />;
  if (data.error)
    return (
      <>
        {header}
        <ErrorNotice error={data.error} />
      </>
    );
  if (!data.data)
    return (
      <>
        {header}
        <Loading />
      </>
    );
  const { rows, states, ref } = data.data;
  return (
    <>
      {header}
      <Section title={t('timeline_page.chart_title')}>
        {rows.length ? (
          <>
            <p class="card-intro">{t('timeline_page.intro')}</p>
            <TimelineChart rows={rows} describe={(r) => ref.stateName(states.get(r.id))} />
            <p class="meta">{n('count.cases', rows.length)}</p>
          </>
        ) : (
          <Empty>{t('cases.none')}</Empty>
        )}
      </Section>
    </>
  );
}

function TimelineChart({ rows, describe }: { rows: TimelineRow[]; describe: (row: TimelineRow) => string }) {
  const { t } = useI18n();
  const [ref, width] = useWidth<HTMLDivElement>(420, 960);
  const [from, to] = yearDomain(rows);
  const years = to - from + 1;
  const plotWidth = width - LABEL - 16;
  const perYear = plotWidth / years;
  const x = (year: number) => LABEL + (year - from) * perYear;
  const height = TOP + rows.length * ROW + AXIS;
  const waves = wavesOf(rows);
  const waveName = (w: number | null) => (w === null ? t('timeline_page.no_wave') : t('case.wave_n', { n: w }));
  const text = (r: TimelineRow) => `${r.title}: ${formatPeriod(r.start, r.end)} · ${waveName(r.wave)} · ${describe(r)}`;

  return (
    <div ref={ref}>
      <figure class="gantt-figure">
        <svg
          class="gantt"
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="group"
          aria-label={t('timeline_page.chart_label', { n: rows.length, from: String(from), to: String(to) })}
          data-testid="cases-timeline"
        >
          <g class="gantt-grid" aria-hidden="true">
            {yearTicks([from, to], perYear).map((y) => (
              <g key={y}>
                <line x1={x(y)} x2={x(y)} y1={TOP - 4} y2={height - AXIS + 4} />
                <text x={x(y) + 2} y={height - AXIS + 18}>
                  {y}
                </text>
              </g>
            ))}
          </g>
          {rows.map((r, i) => {
            const y = TOP + i * ROW;
            const href = `/cases/${r.id}`;
            return (
              <a
                key={r.id}
                href={href}
                class="gantt-row"
                aria-label={text(r)}
                data-testid="timeline-bar"
                data-wave={r.wave ?? ''}
                data-open={r.open ? 'true' : undefined}
                onClick={(e) => {
                  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  navigate(href);
                }}
              >
                <title>{text(r)}</title>
                <rect class="gantt-hit" x={0} y={y} width={width} height={ROW} />
                <text class="gantt-label" x={LABEL - 8} y={y + ROW / 2 + 4} text-anchor="end">
                  {truncate(r.title, 32)}
                </text>
                <rect
                  class="gantt-bar"
                  x={x(r.start) + 1}
                  y={y + (ROW - BAR) / 2}
                  width={Math.max(3, (r.end - r.start + 1) * perYear - 2)}
                  height={BAR}
                  rx={3}
                  fill={waveColor(r.wave)}
                />
              </a>
            );
          })}
        </svg>
        <figcaption>
          <ul class="legend-list" aria-label={t('timeline_page.legend')}>
            {waves.map((w) => (
              <li key={String(w)}>
                <span class="swatch" style={{ background: waveColor(w) }} aria-hidden="true" /> {waveName(w)}
              </li>
            ))}
          </ul>
        </figcaption>
        <p class="meta">{t('timeline_page.open_legend')}</p>
      </figure>
      <div class="sr-only">
        <table>
          <caption>{t('timeline_page.chart_title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('case.title')}</th>
              <th scope="col">{t('case.period')}</th>
              <th scope="col">{t('case.report_wave')}</th>
              <th scope="col">{t('case.state')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <th scope="row">{r.title}</th>
                <td>{formatPeriod(r.start, r.end)}</td>
                <td>{waveName(r.wave)}</td>
                <td>{describe(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
