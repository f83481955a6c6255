import { useEffect, useState } from 'preact/hooks';
import { api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { Button, Empty, ErrorNotice, Loading, PageHeader, SelectField, useAsync } from '../components/ui';
import { INSTITUTION_KINDS, loadReference, SECTORS } from '../data';
import { useI18n } from '../i18n';
import { Link, navigate, queryString } from '../router';

const FILTERS = ['kind', 'state', 'sector', 'q'] as const;
type Filter = (typeof FILTERS)[number];

export default function Institutions({ query }: PageProps) {
  const { t, l, n } = useI18n();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<Filter, string>;
  const key = queryString(filters);
  const ref = useAsync(loadReference, []);
  const [q, setQ] = useState(filters.q);
  const [extra, setExtra] = useState<{ items: Schemas['InstitutionOut'][]; cursor: string | null }>({ items: [], cursor: null });
  const apiQuery = {
    kind: (filters.kind || undefined) as Schemas['InstitutionKind'] | undefined,
    state: filters.state || undefined,
    sector: (filters.sector || undefined) as Schemas['Sector'] | undefined,
    q: filters.q || undefined,
  };
  const page = useAsync(() => api.GET('/api/v1/institutions', { params: { query: { ...apiQuery, limit: 100 } } }).then(must), [key]);
  useEffect(() => {
    setExtra({ items: [], cursor: null });
    setQ(filters.q);
  }, [key]);
  const update = (changes: Partial<Record<Filter, string>>) =>
    navigate(`/institutions${queryString({ ...filters, ...changes })}`, { replace: true, keepScroll: true });
  useEffect(() => {
    if (q === filters.q) return;
    const timer = setTimeout(() => update({ q }), 350);
    return () => clearTimeout(timer);
  }, [q]);

  const rows = [...(page.data?.items ?? []), ...extra.items];
  const cursor = extra.cursor ?? page.data?.next_cursor ?? null;
  const stateName = ref.data?.stateName ?? ((c: string | null | undefined) => c ?? '—');

  return (
    <>
      <PageHeader title={t('institutions.title')} subtitle={t('institutions.subtitle')} />
      <form class="filters card" role="search" aria-label={t('institutions.filters')} onSubmit={(e) => { e.preventDefault(); update({ q }); }}>
        <div class="field field-search">
          <label for="inst-q">{t('institutions.search')}</label>
          <input id="inst-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </div>
        <SelectField label={t('institution.kind')} name="kind" value={filters.kind} empty={t('filters.all')} options={INSTITUTION_KINDS.map((k) => ({ value: k, label: l('institution_kind', k) }))} onChange={(v) => update({ kind: v })} />
        <SelectField label={t('case.state')} name="state" value={filters.state} empty={t('filters.all_states')} options={(ref.data?.states ?? []).map((s) => ({ value: s.code, label: s.name }))} onChange={(v) => update({ state: v })} />
        <SelectField label={t('case.sector')} name="sector" value={filters.sector} empty={t('filters.all')} options={SECTORS.map((s) => ({ value: s, label: l('sector', s) }))} onChange={(v) => update({ sector: v })} />
        <div class="filters-actions">
          {FILTERS.some((f) => filters[f]) && (
            <Button variant="link" onClick={() => navigate('/institutions', { replace: true })}>
              {t('filters.clear')}
            </Button>
          )}
        </div>
      </form>
      <div class="card table-card">
        <p class="table-summary" role="status">
          {page.data ? (cursor ? t('common.showing_first', { n: rows.length }) : n('count.institutions', rows.length)) : ''}
        </p>
        {page.error ? (
          <ErrorNotice error={page.error} />
        ) : !page.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>{t('institutions.none')}</Empty>
        ) : (
          <div class="table-scroll">
            <table class="table">
              <caption class="sr-only">{t('institutions.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('institution.name')}</th>
                  <th scope="col">{t('institution.kind')}</th>
                  <th scope="col">{t('case.state')}</th>
                  <th scope="col">{t('institution.municipality')}</th>
                  <th scope="col">{t('case.sector')}</th>
                  <th scope="col">{t('institution.level')}</th>
                  <th scope="col">{t('institution.former_names_short')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((x) => (
                  <tr key={x.id}>
                    <th scope="row" class="cell-title">
                      <Link href={`/institutions/${x.id}`}>{x.name}</Link>
                    </th>
                    <td>{l('institution_kind', x.kind)}</td>
                    <td>{stateName(x.state)}</td>
                    <td>{x.municipality ?? '—'}</td>
                    <td>{l('sector', x.sector)}</td>
                    <td>{l('level', x.level)}</td>
                    <td class="num">{x.former_names.length || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <p>
            <Button
              onClick={async () => {
                const next = await api.GET('/api/v1/institutions', { params: { query: { ...apiQuery, limit: 100, cursor } } }).then(must);
                setExtra({ items: [...extra.items, ...next.items], cursor: next.next_cursor ?? null });
              }}
            >
              {t('common.load_more')}
            </Button>
          </p>
        )}
      </div>
    </>
  );
}
