import { allPages, api, ApiError, must } from '../api/client';
import type { PageProps } from '../app';
import { ComplianceBar, EvidenceItem, scheduleText } from '../components/domain';
import { NetworkLink } from '../components/network-link';
import { Badge, ComplianceBadge, DocDate, Empty, ErrorNotice, Facts, Loading, PageHeader, Section, useAsync } from '../components/ui';
import { loadReference } from '../data';
import { formatDate } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';

export default function CourtOrderDetail({ params }: PageProps) {
  const i = useI18n();
  const { t, n, lang } = i;
  const data = useAsync(async () => {
    const [order, obligations, evidence, ref] = await Promise.all([
      api.GET('/api/v1/court-orders/{order_id}', { params: { path: { order_id: params.id } } }).then(must),
      allPages((cursor) =>
        api.GET('/api/v1/court-orders/{order_id}/obligations', { params: { path: { order_id: params.id }, query: { limit: 200, cursor } } }).then(must),
      ),
      allPages((cursor) =>
        api.GET('/api/v1/evidence', { params: { query: { subject_type: 'court_order', subject_id: params.id, limit: 200, cursor } } }).then(must),
      ).catch((e: unknown) => {
        if (e instanceof ApiError && e.status !== 404) throw e;
        return null;
      }),
      loadReference(),
    ]);
    return { order, obligations: obligations.sort((a, b) => a.number - b.number), evidence, ref };
  }, [params.id]);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return <Loading />;
  const { order, obligations, evidence, ref } = data.data;

  return (
    <>
      <PageHeader back={{ href: '/court-orders', label: t('court_orders.title') }} eyebrow={t('court_order.eyebrow')} title={order.title} actions={<NetworkLink kind="court_order" id={order.id} />} />
      <div class="grid-detail">
        <div class="stack">
          <Section title={t('court_order.compliance')}>
            <p class="compliance-line">
              <strong>{t('court_orders.complied_of', { complied: order.compliance.complied, total: order.compliance.total })}</strong>
              {order.compliance.overdue > 0 && <Badge tone="overdue">{n('count.overdue', order.compliance.overdue)}</Badge>}
            </p>
            <ComplianceBar compliance={order.compliance} />
          </Section>
          <Section title={t('court_order.obligations')}>
            {obligations.length === 0 ? (
              <Empty>{t('court_order.no_obligations')}</Empty>
            ) : (
              <ol class="obligations" data-testid="obligations">
                {obligations.map((o) => (
                  <li key={o.id} class={o.overdue ? 'is-overdue' : ''}>
                    <div class="obligation-head">
                      <span class="obligation-number" aria-hidden="true">
                        {o.number}
                      </span>
                      <div>
                        <h3>
                          <Link href={`/obligations/${o.id}`}>
                            <span class="sr-only">{t('obligation.number', { number: o.number })}: </span>
                            {o.description}
                          </Link>
                        </h3>
                        <p class="meta">
                          {ref.institutionName(o.obligated_id)} · {scheduleText(o, i)}
                          {o.next_due_on && <> · {t('obligation.next_due_on', { date: formatDate(o.next_due_on, lang) })}</>}
                        </p>
                        {o.deadline_note && <p class="note">{o.deadline_note}</p>}
                      </div>
                      <div class="obligation-status">
                        <ComplianceBadge status={o.status} />
                        {o.overdue && <Badge tone="overdue">{t('obligation.overdue')}</Badge>}
                      </div>
                    </div>
                  </li>
                ))}
              </ol>
            )}
          </Section>
          {order.summary && (
            <Section title={t('court_order.summary')}>
              <p class="prose">{order.summary}</p>
            </Section>
          )}
        </div>
        <div class="stack">
          <Section title={t('case.facts')}>
            <Facts
              items={[
                [t('court_order.court'), order.court_id ? <Link href={`/institutions/${order.court_id}`}>{ref.institutionName(order.court_id)}</Link> : null],
                [t('court_order.file_number'), order.file_number],
                [t('court_order.issued_on'), order.issued_on ? <DocDate value={order.issued_on} /> : null],
                [t('court_order.notified_on'), order.notified_on ? <DocDate value={order.notified_on} /> : null],
                [t('court_order.confirmed_on_appeal_on'), order.confirmed_on_appeal_on ? <DocDate value={order.confirmed_on_appeal_on} /> : null],
                [t('court_order.proceeding'), order.proceeding_id ? <Link href={`/investigations/${order.proceeding_id}`}>{t('court_order.see_proceeding')}</Link> : null],
                [t('court_order.source'), order.source_url ? <a href={order.source_url} rel="noreferrer noopener" target="_blank">{t('court_order.open_source')}</a> : null],
              ]}
            />
          </Section>
          <Section title={t('obligation.evidence')}>
            {evidence === null ? (
              <Empty>{t('evidence.unavailable')}</Empty>
            ) : evidence.length === 0 ? (
              <Empty>{t('court_order.no_evidence')}</Empty>
            ) : (
              <ul class="evidence-list">
                {evidence.map((e) => (
                  <EvidenceItem key={e.id} e={e} />
                ))}
              </ul>
            )}
            <p class="meta">{t('court_order.evidence_note')}</p>
          </Section>
          {order.internal_notes && (
            <Section title={t('case.internal_notes')}>
              <p class="prose">{order.internal_notes}</p>
            </Section>
          )}
        </div>
      </div>
    </>
  );
}
