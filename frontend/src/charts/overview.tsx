// Loaded lazily (dynamic import): Observable Plot and the map's paths stay out of the login page.
import * as Plot from '@observablehq/plot';
import mexico from '@svg-maps/mexico';
import { useEffect, useRef } from 'preact/hooks';
import { useWidth } from '../components/size';
import { formatNumber } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';

/** `@svg-maps/mexico` ids (`jal`) → the API's ISO 3166-2 codes (`MX-JAL`). */
export function stateCode(mapId: string): string {
  return `MX-${mapId.toUpperCase()}`;
}

export const MAP_STATES = mexico.locations.length;

const EMPTY_FILL = '#eceff3';
// A state whose count is suppressed (fewer than 3, on the public page): hatched, never the empty grey.
const SUPPRESSED_FILL = 'url(#map-suppressed)';
// From a mid blue for one case (3:1 against the empty states' grey) to a deep navy.
const RAMP = ['#5a8bbb', '#0b2f55'];

/** Renders a Plot figure (an element Plot builds) into a container. */
function PlotFigure({ render, width }: { render: (width: number) => Element; width: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const figure = render(width);
    el.replaceChildren(figure);
    return () => figure.remove();
  }, [render, width]);
  return <div ref={ref} class="plot" />;
}

export function MexicoMap({
  counts,
  names,
  suppressed = new Set<string>(),
  link = (code) => `/cases?state=${code}`,
}: {
  counts: Map<string, number>;
  names: (code: string) => string;
  /** States with cases whose count is not published (fewer than 3). */
  suppressed?: Set<string>;
  /** Where a state with cases leads; null: nowhere (the public page). */
  link?: ((code: string) => string) | null;
}) {
  const { t, n, lang } = useI18n();
  const max = Math.max(1, ...counts.values());
  const color = Plot.scale({ color: { type: 'linear', domain: [1, max], range: RAMP, interpolate: 'lab' } });
  const legendRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = legendRef.current;
    if (!el) return;
    const legend = Plot.legend({
      color: { type: 'linear', domain: [1, max], range: RAMP, interpolate: 'lab', label: t('overview.map_legend') },
      width: 240,
      ticks: Math.min(max, 5),
      tickFormat: (d: number) => (Number.isInteger(d) ? formatNumber(d, lang) : ''),
      style: { fontSize: '12px', color: '#1f2a37' },
    });
    el.replaceChildren(legend);
  }, [max, lang]);
  const withCases = [...counts.values()].filter((c) => c > 0).length + suppressed.size;

  return (
    <figure class="map-figure">
      <svg
        class="map"
        viewBox={mexico.viewBox}
        role="group"
        aria-label={t('overview.map_label', { states: withCases })}
        data-testid="mexico-map"
      >
        {suppressed.size > 0 && (
          <defs>
            <pattern id="map-suppressed" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
              <rect width="6" height="6" fill="#c9d8e8" />
              <rect width="3" height="6" fill={RAMP[0]} />
            </pattern>
          </defs>
        )}
        {mexico.locations.map((loc) => {
          const code = stateCode(loc.id);
          const hidden = suppressed.has(code);
          const count = counts.get(code) ?? 0;
          const name = names(code);
          const text = hidden ? t('public.state_suppressed', { name }) : `${name}: ${n('count.cases', count)}`;
          const path = (
            <path
              d={loc.path}
              fill={hidden ? SUPPRESSED_FILL : count > 0 ? String(color.apply(count)) : EMPTY_FILL}
              class={count > 0 || hidden ? 'state has-cases' : 'state'}
              data-state={code}
              data-count={hidden ? undefined : count}
              data-suppressed={hidden ? 'true' : undefined}
            >
              <title>{text}</title>
            </path>
          );
          if (!link || (count === 0 && !hidden)) return <g key={code}>{path}</g>;
          const href = link(code);
          return (
            <a
              key={code}
              href={href}
              aria-label={text}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey) return;
                e.preventDefault();
                navigate(href);
              }}
            >
              {path}
            </a>
          );
        })}
      </svg>
      <figcaption>
        <div ref={legendRef} class="legend" />
        {suppressed.size > 0 && (
          <span class="legend-empty">
            <span class="swatch swatch-suppressed" aria-hidden="true" /> {t('public.map_suppressed')}
          </span>
        )}
        <span class="legend-empty">
          <span class="swatch" style={{ background: EMPTY_FILL }} aria-hidden="true" /> {t('overview.map_none')}
        </span>
      </figcaption>
    </figure>
  );
}

interface Datum {
  key: string;
  label: string;
  count: number;
  /** A published count below 3 is withheld: drawn light up to 2 and written "fewer than 3", never 0. */
  suppressed?: boolean;
}

const SUPPRESSED_AS = 2;
const shown = (d: Datum) => (d.suppressed ? SUPPRESSED_AS : d.count);

function DataTable({ caption, rows, keyHeader }: { caption: string; rows: Datum[]; keyHeader: string }) {
  const { t, lang } = useI18n();
  // In a hidden box: a table ignores the 1px size that hides other elements.
  return (
    <div class="sr-only">
      <table>
        <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{keyHeader}</th>
          <th scope="col">{t('overview.cases_col')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label}</th>
            <td>{r.suppressed ? t('stats.suppressed') : formatNumber(r.count, lang)}</td>
          </tr>
        ))}
      </tbody>
      </table>
    </div>
  );
}

const BAR = '#2c5d8a';
const BAR_SUPPRESSED = '#b9cde0';
const INK = '#1f2a37';

/** Cases per year; a case whose period spans several years counts in each (as the API counts). */
export function YearChart({ items }: { items: { key: number; count: number; suppressed?: boolean }[] }) {
  const { t, lang } = useI18n();
  const title = (d: Datum) => `${d.label}: ${d.suppressed ? t('stats.suppressed') : formatNumber(d.count, lang)}`;
  const [ref, width] = useWidth<HTMLDivElement>();
  const years = items.map((i) => i.key);
  const rows: Datum[] = [];
  if (years.length) {
    const byYear = new Map(items.map((i) => [i.key, i.count]));
    const hidden = new Set(items.filter((i) => i.suppressed).map((i) => i.key));
    for (let y = Math.min(...years); y <= Math.max(...years); y += 1) {
      rows.push({ key: String(y), label: String(y), count: byYear.get(y) ?? 0, suppressed: hidden.has(y) });
    }
  }
  const every = width < 520 ? 4 : width < 800 ? 2 : 1;
  const render = (w: number) =>
    Plot.plot({
      width: w,
      height: 240,
      marginLeft: 36,
      marginBottom: 32,
      style: { fontSize: '12px', color: INK, background: 'transparent' },
      ariaLabel: t('overview.by_year'),
      x: {
        type: 'band',
        label: null,
        domain: rows.map((r) => r.key),
        tickFormat: (d: string) => (Number(d) % every === 0 ? d : ''),
      },
      y: { label: t('overview.cases_col'), grid: true, tickFormat: (d: number) => (Number.isInteger(d) ? formatNumber(d, lang) : '') },
      marks: [
        Plot.barY(rows, {
          x: 'key',
          y: shown,
          fill: (d: Datum) => (d.suppressed ? BAR_SUPPRESSED : BAR),
          stroke: (d: Datum) => (d.suppressed ? BAR : 'none'),
          strokeDasharray: '2,2',
          inset: 1,
          title,
        }),
        Plot.ruleY([0], { stroke: INK }),
      ],
    });
  return (
    <div ref={ref}>
      <PlotFigure render={render} width={width} />
      <DataTable caption={t('overview.by_year')} rows={rows} keyHeader={t('overview.year_col')} />
    </div>
  );
}

/** Horizontal bars with the count and share written at the end of each. */
export function ShareChart({ rows, caption, keyHeader }: { rows: Datum[]; caption: string; keyHeader: string }) {
  const { t, lang } = useI18n();
  const [ref, width] = useWidth<HTMLDivElement>();
  const total = rows.reduce((s, r) => s + r.count, 0) || 1;
  // With a count withheld the total is unknown, so no share is given.
  const shares = !rows.some((r) => r.suppressed);
  const render = (w: number) =>
    Plot.plot({
      width: w,
      height: 36 * rows.length + 28,
      marginLeft: Math.min(160, 12 + 7.5 * Math.max(...rows.map((r) => r.label.length), 4)),
      marginRight: 90,
      style: { fontSize: '13px', color: INK, background: 'transparent' },
      ariaLabel: caption,
      x: { axis: null, domain: [0, Math.max(...rows.map(shown), 1)] },
      y: { label: null, domain: rows.map((r) => r.label), tickSize: 0 },
      marks: [
        Plot.barX(rows, {
          y: 'label',
          x: shown,
          fill: (d: Datum) => (d.suppressed ? BAR_SUPPRESSED : BAR),
          stroke: (d: Datum) => (d.suppressed ? BAR : 'none'),
          strokeDasharray: '2,2',
          insetTop: 5,
          insetBottom: 5,
        }),
        Plot.text(rows, {
          y: 'label',
          x: shown,
          text: (d: Datum) =>
            d.suppressed
              ? t('stats.suppressed')
              : shares
                ? `${formatNumber(d.count, lang)} (${new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'es-MX', { style: 'percent' }).format(d.count / total)})`
                : formatNumber(d.count, lang),
          textAnchor: 'start',
          dx: 6,
          fill: INK,
        }),
      ],
    });
  return (
    <div ref={ref}>
      <PlotFigure render={render} width={width} />
      <DataTable caption={caption} rows={rows} keyHeader={keyHeader} />
    </div>
  );
}
