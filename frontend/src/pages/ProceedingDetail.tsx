import { allPages, api, must } from '../api/client';
import type { PageProps } from '../app';
import { NetworkLink } from '../components/network-link';
import { Badge, DocDate, Empty, ErrorNotice, Facts, Loading, Notice, PageHeader, Section, useAsync } from '../components/ui';
import { loadReference } from '../data';
import { formatNumber } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { MEASURE_STATUSES, optional } from './Investigations';

const MEASURE_TONE: Record<string, string> = {
  requested: 'pending',
  performed: 'complied',
  performed_without_result: 'partial',
  refused: 'overdue',
  no_response: 'overdue',
};

export default function ProceedingDetail({ params }: PageProps) {
  const { t, l, lang } = useI18n();
  const data = useAsync(async () => {
    const proceeding = await optional(() =>
      api.GET('/api/v1/proceedings/{proceeding_id}', { params: { path: { proceeding_id: params.id } } }).then(must),
    );
    if (!proceeding) return null;
    const [measures, cases, ref] = await Promise.all([
      allPages((cursor) =>
        api.GET('/api/v1/proceedings/{proceeding_id}/measures', { params: { path: { proceeding_id: params.id }, query: { limit: 200, cursor } } }).then(must),
      ),
      allPages((cursor) => api.GET('/api/v1/cases', { params: { query: { limit: 200, cursor, sort: 'report_number' } } }).then(must)),
      loadReference(),
    ]);
    const wanted = new Set(proceeding.case_ids);
    return { proceeding, measures, cases: cases.filter((c) => wanted.has(c.id)), ref };
  }, [params.id]);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (data.data === undefined) return <Loading />;
  if (data.data === null)
    return (
      <Notice kind="info" title={t('investigations.unavailable_title')}>
        <p>{t('investigations.unavailable')}</p>
      </Notice>
    );
  const { proceeding: p, measures, cases, ref } = data.data;
  const counts = p.measure_counts as Record<string, number>;

  return (
    <>
      <PageHeader back={{ href: '/investigations', label: t('investigations.title') }} eyebrow={l('proceeding_kind', p.kind)} title={p.title} subtitle={p.file_number ?? undefined} actions={<NetworkLink kind="proceeding" id={p.id} />} />
      <div class="grid-detail">
        <div class="stack">
          <Section title={t('proceeding.measures')}>
            <ul class="measure-counts">
              {MEASURE_STATUSES.map((s) => (
                <li key={s}>
                  <Badge tone={MEASURE_TONE[s]}>{l('measure_status', s)}</Badge> {formatNumber(counts[s] ?? 0, lang)}
                </li>
              ))}
            </ul>
            {measures.length === 0 ? (
              <Empty>{t('proceeding.no_measures')}</Empty>
            ) : (
              <ol class="measures" data-testid="measures">
                {measures.map((m) => (
                  <li key={m.id}>
                    <div class="measure-head">
                      <p class="measure-description">{m.description}</p>
                      <Badge tone={MEASURE_TONE[m.status]}>{l('measure_status', m.status)}</Badge>
                    </div>
                    <p class="meta">
                      {[
                        m.requested_on && (
                          <>
                            {t('measure.requested_on')}: <DocDate value={m.requested_on} />
                          </>
                        ),
                        m.requested_by && (
                          <>
                            {t('measure.requested_by')}: {m.requested_by}
                          </>
                        ),
                        m.responded_on && (
                          <>
                            {t('measure.responded_on')}: <DocDate value={m.responded_on} />
                          </>
                        ),
                      ]
                        .filter(Boolean)
                        .map((part, k) => (
                          <span key={k}>
                            {k > 0 && ' · '}
                            {part}
                          </span>
                        ))}
                    </p>
                    {m.response && (
                      <p class="note">
                        <span class="sr-only">{t('measure.response')}: </span>
                        {m.response}
                      </p>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </Section>
          {p.summary && (
            <Section title={t('case.summary')}>
              <p class="prose">{p.summary}</p>
            </Section>
          )}
        </div>
        <div class="stack">
          <Section title={t('case.facts')}>
            <Facts
              items={[
                [t('proceeding.kind'), l('proceeding_kind', p.kind)],
                [t('proceeding.authority'), p.authority_id ? <Link href={`/institutions/${p.authority_id}`}>{ref.institutionName(p.authority_id)}</Link> : null],
                [t('proceeding.file_number'), p.file_number ? <span class="mono">{p.file_number}</span> : null],
                [t('proceeding.opened_on'), p.opened_on ? <DocDate value={p.opened_on} /> : null],
                [t('proceeding.status'), l('proceeding_status', p.status)],
                [t('common.visibility'), l('visibility', p.visibility)],
              ]}
            />
          </Section>
          <Section title={t('proceeding.cases')}>
            {cases.length === 0 ? (
              <Empty>{t('proceeding.no_cases')}</Empty>
            ) : (
              <ul class="plain-list">
                {cases.map((c) => (
                  <li key={c.id}>
                    <Link href={`/cases/${c.id}`}>{c.title}</Link> <span class="meta">{ref.stateName(c.state)}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      </div>
    </>
  );
}
