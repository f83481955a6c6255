import { allPages, api, must } from '../api/client';
import type { PageProps } from '../app';
import { NetworkLink } from '../components/network-link';
import { ComplianceBadge, DocDate, Empty, ErrorNotice, Facts, Kpi, Loading, PageHeader, Section, useAsync } from '../components/ui';
import { COMPLIANCE, loadReference } from '../data';
import { formatDate, formatNumber, formatPeriod } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';

async function load(id: string) {
  const [inst, cases, scorecard, obligations, ref] = await Promise.all([
    api.GET('/api/v1/institutions/{institution_id}', { params: { path: { institution_id: id } } }).then(must),
    allPages((cursor) => api.GET('/api/v1/cases', { params: { query: { institution_id: id, limit: 200, cursor, sort: 'report_number' } } }).then(must)),
    api.GET('/api/v1/institutions/{institution_id}/scorecard', { params: { path: { institution_id: id } } }).then(must),
    allPages((cursor) => api.GET('/api/v1/obligations', { params: { query: { obligated: id, limit: 200, cursor } } }).then(must)),
    loadReference(),
  ]);
  return { inst, cases, scorecard, obligations, ref };
}

export default function InstitutionDetail({ params }: PageProps) {
  const { t, l, n, lang } = useI18n();
  const data = useAsync(() => load(params.id), [params.id]);
  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return <Loading />;
  const { inst, cases, scorecard, obligations, ref } = data.data;
  const by = scorecard.by_status as Record<string, number>;
  const parent = inst.parent_id ? ref.institutions.find((x) => x.id === inst.parent_id) : null;

  return (
    <>
      <PageHeader
        back={{ href: '/institutions', label: t('institutions.title') }}
        eyebrow={l('institution_kind', inst.kind)}
        title={inst.name}
        actions={<NetworkLink kind="institution" id={inst.id} />}
        subtitle={[inst.municipality, inst.state ? ref.stateName(inst.state) : null].filter(Boolean).join(', ') || undefined}
      />
      <div class="grid-detail">
        <div class="stack">
          <Section title={t('institution.scorecard')}>
            {scorecard.obligations === 0 ? (
              <Empty>{t('institution.no_obligations')}</Empty>
            ) : (
              <>
                <ul class="kpis kpis-compact" aria-label={t('institution.scorecard')}>
                  <Kpi value={formatNumber(scorecard.obligations, lang)} label={t('scorecard.obligations')} />
                  <Kpi value={formatNumber(scorecard.complied, lang)} label={t('scorecard.complied')} alert={scorecard.complied === 0} />
                  <Kpi value={formatNumber(scorecard.overdue, lang)} label={t('scorecard.overdue')} alert={scorecard.overdue > 0} />
                  <Kpi value={n('count.days', scorecard.longest_days_overdue)} label={t('scorecard.longest')} />
                  <Kpi value={n('count.days', scorecard.total_days_overdue)} label={t('scorecard.total')} />
                  <Kpi value={scorecard.median_days_to_comply === null ? '—' : n('count.days', Math.round(scorecard.median_days_to_comply))} label={t('scorecard.median')} />
                </ul>
                <p class="meta">
                  {COMPLIANCE.map((s) => `${l('compliance', s)}: ${formatNumber(by[s] ?? 0, lang)}`).join(' · ')} —{' '}
                  {t('scorecard.as_of', { date: formatDate(scorecard.as_of, lang) })}
                </p>
                <div class="table-scroll">
                  <table class="table">
                    <caption class="sr-only">{t('institution.obligations')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('obligation.number_short')}</th>
                        <th scope="col">{t('obligation.description')}</th>
                        <th scope="col">{t('obligation.status')}</th>
                        <th scope="col">{t('obligation.next_due')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {obligations.map((o) => (
                        <tr key={o.id}>
                          <td class="num">{o.number}</td>
                          <td>
                            <Link href={`/obligations/${o.id}`}>{o.description}</Link>
                          </td>
                          <td>
                            <ComplianceBadge status={o.status} />
                          </td>
                          <td class="nowrap">{o.next_due_on ? formatDate(o.next_due_on, lang) : t('obligation.no_deadline')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </Section>

          <Section title={t('institution.cases')}>
            {cases.length === 0 ? (
              <Empty>{t('institution.no_cases')}</Empty>
            ) : (
              <ul class="plain-list">
                {cases.map((c) => (
                  <li key={c.id}>
                    <Link href={`/cases/${c.id}`}>{c.title}</Link>{' '}
                    <span class="meta">
                      {formatPeriod(c.year_start, c.year_end)} · {l('legal_status', c.legal_status)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
        <div class="stack">
          <Section title={t('case.facts')}>
            <Facts
              items={[
                [t('institution.kind'), l('institution_kind', inst.kind)],
                [t('case.state'), ref.stateName(inst.state)],
                [t('institution.municipality'), inst.municipality],
                [t('case.sector'), l('sector', inst.sector)],
                [t('institution.level'), l('level', inst.level)],
                [t('institution.cct'), inst.work_center_key ? <span class="mono">{inst.work_center_key}</span> : null],
                [t('institution.parent'), parent ? <Link href={`/institutions/${parent.id}`}>{parent.name}</Link> : null],
                [t('common.visibility'), l('visibility', inst.visibility)],
              ]}
            />
          </Section>
          <Section title={t('institution.former_names')}>
            {inst.former_names.length === 0 ? (
              <Empty>{t('institution.no_former_names')}</Empty>
            ) : (
              <ol class="plain-list">
                {inst.former_names.map((f, idx) => (
                  <li key={idx}>
                    <strong>{f.name}</strong>
                    <span class="meta">
                      {' '}
                      {f.until ? (
                        <>
                          {t('institution.until')} <DocDate value={f.until} />
                        </>
                      ) : (
                        t('institution.until_unknown')
                      )}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </Section>
        </div>
      </div>
    </>
  );
}
