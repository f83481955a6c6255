import { allPages, api, ApiError, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { Badge, Empty, ErrorNotice, Loading, Notice, PageHeader, useAsync } from '../components/ui';
import { loadReference } from '../data';
import { formatDocumentaryDate, formatNumber } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';

export const MEASURE_STATUSES: Schemas['MeasureStatus'][] = ['requested', 'performed', 'performed_without_result', 'refused', 'no_response'];

/** Null when the service does not offer proceedings (yet): the screen says so instead of failing. */
export async function optional<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 404 && e.status !== 405) throw e;
    if (!(e instanceof ApiError) && !(e instanceof SyntaxError)) throw e;
    return null;
  }
}

export default function Investigations(_: PageProps) {
  const { t, l, lang } = useI18n();
  const data = useAsync(async () => {
    const [proceedings, ref] = await Promise.all([
      optional(() => allPages((cursor) => api.GET('/api/v1/proceedings', { params: { query: { limit: 200, cursor } } }).then(must))),
      loadReference(),
    ]);
    return { proceedings, ref };
  }, []);

  return (
    <>
      <PageHeader title={t('investigations.title')} subtitle={t('investigations.subtitle')} />
      {data.error ? (
        <ErrorNotice error={data.error} />
      ) : !data.data ? (
        <Loading />
      ) : data.data.proceedings === null ? (
        <Notice kind="info" title={t('investigations.unavailable_title')}>
          <p>{t('investigations.unavailable')}</p>
        </Notice>
      ) : data.data.proceedings.length === 0 ? (
        <Empty>{t('investigations.none')}</Empty>
      ) : (
        <div class="card table-card">
          <div class="table-scroll">
            <table class="table" data-testid="proceedings-table">
              <caption class="sr-only">{t('investigations.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('proceeding.title')}</th>
                  <th scope="col">{t('proceeding.kind')}</th>
                  <th scope="col">{t('proceeding.authority')}</th>
                  <th scope="col">{t('proceeding.opened_on')}</th>
                  <th scope="col">{t('proceeding.status')}</th>
                  <th scope="col">{t('proceeding.cases')}</th>
                  <th scope="col">{t('proceeding.measures')}</th>
                </tr>
              </thead>
              <tbody>
                {data.data.proceedings.map((p) => {
                  const counts = p.measure_counts as Record<string, number>;
                  const total = Object.values(counts).reduce((a, b) => a + b, 0);
                  const pending = (counts.requested ?? 0) + (counts.no_response ?? 0) + (counts.refused ?? 0);
                  return (
                    <tr key={p.id}>
                      <th scope="row" class="cell-title">
                        <Link href={`/investigations/${p.id}`}>{p.title}</Link>
                        {p.file_number && <span class="meta mono block">{p.file_number}</span>}
                      </th>
                      <td>{l('proceeding_kind', p.kind)}</td>
                      <td>{data.data!.ref.institutionName(p.authority_id)}</td>
                      <td class="nowrap">{p.opened_on ? formatDocumentaryDate(p.opened_on, lang) : '—'}</td>
                      <td>{l('proceeding_status', p.status)}</td>
                      <td class="num">{formatNumber(p.case_ids.length, lang)}</td>
                      <td>
                        {formatNumber(total, lang)}
                        {pending > 0 && (
                          <>
                            {' '}
                            <Badge tone="overdue">{t('investigations.not_done', { n: pending })}</Badge>
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}
