import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, downloadCsv, must, type Schemas } from '../api/client';
import type { paths } from '../api/schema';
import type { PageProps } from '../app';
import { Button, ButtonLink, Empty, ErrorNotice, errorMessage, Loading, PageHeader, SelectField, useAsync } from '../components/ui';
import { LEGAL_STATUSES, loadReference, PATTERNS, SECTORS } from '../data';
import { formatDay, formatPeriod, todayIso } from '../format';
import { useI18n } from '../i18n';
import { Link, navigate, queryString } from '../router';
import { canWrite, sessionStore } from '../session';
import { useStore } from '../store';

type Case = Schemas['CaseOut'];
type Sort = NonNullable<NonNullable<paths['/api/v1/cases']['get']['parameters']['query']>['sort']>;
const FILTERS = ['state', 'year', 'sector', 'legal_status', 'pattern', 'report_wave', 'q'] as const;
type Filter = (typeof FILTERS)[number];
const SORTABLE = ['report_number', 'title', 'year', 'updated_at'] as const;
const DEFAULT_SORT = 'report_number';

function filtersOf(query: URLSearchParams): Record<Filter | 'sort', string> {
  const out = { sort: query.get('sort') ?? DEFAULT_SORT } as Record<Filter | 'sort', string>;
  for (const f of FILTERS) out[f] = query.get(f) ?? '';
  return out;
}

/** The filters as the API's query parameters (typed by the OpenAPI document). */
function apiQuery(f: Record<Filter | 'sort', string>) {
  return {
    state: f.state || undefined,
    year: f.year ? Number(f.year) : undefined,
    sector: (f.sector || undefined) as Schemas['Sector'] | undefined,
    legal_status: (f.legal_status || undefined) as Schemas['LegalStatus'] | undefined,
    pattern: f.pattern ? [f.pattern as Schemas['Pattern']] : undefined,
    report_wave: f.report_wave ? Number(f.report_wave) : undefined,
    q: f.q || undefined,
  };
}

async function loadFacets() {
  const stat = (group_by: Schemas['CaseGroupBy']) => api.GET('/api/v1/stats/cases', { params: { query: { group_by } } }).then(must);
  const [years, waves, ref] = await Promise.all([stat('year'), stat('report_wave'), loadReference()]);
  return {
    years: years.items.map((i) => Number(i.key)).filter(Boolean).sort((a, b) => b - a),
    waves: waves.items.map((i) => Number(i.key)).filter(Boolean).sort((a, b) => a - b),
    ref,
  };
}

export default function Cases({ query }: PageProps) {
  const i = useI18n();
  const { t, n, l, lang } = i;
  const session = useStore(sessionStore);
  const filters = filtersOf(query);
  const key = queryString(filters);
  const facets = useAsync(loadFacets, []);
  const [more, setMore] = useState<{ items: Case[]; cursor: string | null }>({ items: [], cursor: null });
  const [q, setQ] = useState(filters.q);
  const [csvError, setCsvError] = useState<unknown>(null);
  const [csvBusy, setCsvBusy] = useState(false);

  const page = useAsync(async () => {
    const q = apiQuery(filters);
    const [list, total] = await Promise.all([
      api.GET('/api/v1/cases', { params: { query: { ...q, sort: filters.sort as Sort, limit: 50 } } }).then(must),
      api.GET('/api/v1/stats/cases', { params: { query: { ...q, group_by: 'legal_status' } } }).then(must),
    ]);
    return { list, total: total.items.reduce((s, x) => s + (x.count ?? 0), 0) };
  }, [key]);

  useEffect(() => {
    setMore({ items: [], cursor: null });
    setQ(filters.q);
  }, [key]);

  const update = (changes: Partial<Record<Filter | 'sort', string>>) => {
    const next = { ...filters, ...changes };
    if (next.sort === DEFAULT_SORT) next.sort = '';
    navigate(`/cases${queryString(next)}`, { replace: true, keepScroll: true });
  };

  // The search box applies after a pause in typing.
  useEffect(() => {
    if (q === filters.q) return;
    const timer = setTimeout(() => update({ q }), 350);
    return () => clearTimeout(timer);
  }, [q]);

  const rows = [...(page.data?.list.items ?? []), ...more.items];
  const cursor = more.cursor ?? page.data?.list.next_cursor ?? null;
  const active = FILTERS.some((f) => filters[f]);
  const ref = facets.data?.ref;

  const loadMore = async () => {
    if (!cursor) return;
    const next = await api
      .GET('/api/v1/cases', { params: { query: { ...apiQuery(filters), sort: filters.sort as Sort, limit: 50, cursor } } })
      .then(must);
    setMore({ items: [...more.items, ...next.items], cursor: next.next_cursor ?? null });
  };

  const csv = async () => {
    setCsvBusy(true);
    setCsvError(null);
    try {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(apiQuery(filters))) if (v !== undefined) params.set(k, String(v));
      params.set('sort', filters.sort);
      await downloadCsv('/api/v1/cases', params, `vigia-casos-${todayIso()}.csv`);
    } catch (e) {
      setCsvError(e);
    } finally {
      setCsvBusy(false);
    }
  };

  const sortHeader = (field: (typeof SORTABLE)[number], text: string) => {
    const current = filters.sort.replace(/^-/, '') === field;
    const descending = filters.sort.startsWith('-');
    const next = current && !descending ? `-${field}` : field;
    return (
      <th scope="col" aria-sort={current ? (descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="sort" onClick={() => update({ sort: next })}>
          {text}
          <span class="sort-icon" aria-hidden="true">
            {current ? (descending ? '▼' : '▲') : '↕'}
          </span>
        </button>
      </th>
    );
  };

  return (
    <>
      <PageHeader
        title={t('cases.title')}
        subtitle={t('cases.subtitle')}
        actions={
          <>
            <Button onClick={csv} busy={csvBusy}>
              {t('cases.download_csv')}
            </Button>
            {canWrite(session) && (
              <ButtonLink href="/cases/new" variant="primary">
                {t('cases.new')}
              </ButtonLink>
            )}
          </>
        }
      />
      {csvError ? <ErrorNotice error={csvError} /> : null}

      <form class="filters card" role="search" aria-label={t('cases.filters')} onSubmit={(e) => { e.preventDefault(); update({ q }); }}>
        <div class="field field-search">
          <label for="case-q">{t('cases.search')}</label>
          <input id="case-q" type="search" name="q" value={q} placeholder={t('cases.search_placeholder')} onInput={(e) => setQ(e.currentTarget.value)} />
        </div>
        <SelectField
          label={t('case.state')}
          name="state"
          value={filters.state}
          empty={t('filters.all_states')}
          options={(ref?.states ?? []).map((s) => ({ value: s.code, label: s.name }))}
          onChange={(v) => update({ state: v })}
        />
        <SelectField
          label={t('filters.year')}
          name="year"
          value={filters.year}
          empty={t('filters.any_year')}
          options={(facets.data?.years ?? []).map((y) => ({ value: String(y), label: String(y) }))}
          onChange={(v) => update({ year: v })}
        />
        <SelectField
          label={t('case.sector')}
          name="sector"
          value={filters.sector}
          empty={t('filters.all')}
          options={SECTORS.map((s) => ({ value: s, label: l('sector', s) }))}
          onChange={(v) => update({ sector: v })}
        />
        <SelectField
          label={t('case.legal_status')}
          name="legal_status"
          value={filters.legal_status}
          empty={t('filters.all')}
          options={LEGAL_STATUSES.map((s) => ({ value: s, label: l('legal_status', s) }))}
          onChange={(v) => update({ legal_status: v })}
        />
        <SelectField
          label={t('case.pattern')}
          name="pattern"
          value={filters.pattern}
          empty={t('filters.all')}
          options={PATTERNS.map((s) => ({ value: s, label: l('pattern', s) }))}
          onChange={(v) => update({ pattern: v })}
        />
        <SelectField
          label={t('case.report_wave')}
          name="report_wave"
          value={filters.report_wave}
          empty={t('filters.all')}
          options={(facets.data?.waves ?? []).map((w) => ({ value: String(w), label: t('case.wave_n', { n: w }) }))}
          onChange={(v) => update({ report_wave: v })}
        />
        <div class="filters-actions">
          <button type="submit" class="sr-only">
            {t('cases.apply')}
          </button>
          {active && (
            <Button variant="link" onClick={() => navigate(`/cases${queryString({ sort: filters.sort === DEFAULT_SORT ? '' : filters.sort })}`, { replace: true })}>
              {t('filters.clear')}
            </Button>
          )}
        </div>
      </form>

      <div class="card table-card">
        <p class="table-summary" role="status" data-testid="case-count">
          {page.loading && !page.data
            ? t('common.loading')
            : page.data
              ? rows.length < page.data.total
                ? t('cases.showing', { shown: rows.length, total: page.data.total })
                : n('count.cases', page.data.total)
              : ''}
        </p>
        {page.error ? (
          <ErrorNotice error={page.error} />
        ) : !page.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>{active ? t('cases.none_filtered') : t('cases.none')}</Empty>
        ) : (
          <div class="table-scroll">
            <table class="table" data-testid="cases-table" aria-busy={page.loading ? 'true' : 'false'}>
              <caption class="sr-only">{t('cases.table_caption')}</caption>
              <thead>
                <tr>
                  {sortHeader('report_number', t('case.report_number_short'))}
                  {sortHeader('title', t('case.title'))}
                  <th scope="col">{t('case.state')}</th>
                  {sortHeader('year', t('case.period'))}
                  <th scope="col">{t('case.sector')}</th>
                  <th scope="col">{t('case.legal_status')}</th>
                  <th scope="col">{t('case.report_wave_short')}</th>
                  {sortHeader('updated_at', t('common.updated'))}
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td class="num">{c.report_number ?? '—'}</td>
                    <th scope="row" class="cell-title">
                      <Link href={`/cases/${c.id}`}>{c.title}</Link>
                    </th>
                    <td>{ref?.stateName(c.state) ?? c.state}</td>
                    <td class="nowrap">{formatPeriod(c.year_start, c.year_end)}</td>
                    <td>{l('sector', c.sector)}</td>
                    <td>{l('legal_status', c.legal_status)}</td>
                    <td class="num">{c.report_wave ?? '—'}</td>
                    <td class="nowrap meta">{formatDay(c.updated_at, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <p>
            <Button onClick={() => loadMore().catch((e: unknown) => setCsvError(e instanceof ApiError ? e : new Error(errorMessage(e, i))))}>
              {t('common.load_more')}
            </Button>
          </p>
        )}
      </div>
    </>
  );
}
