import { allPages, api, must } from '../api/client';
import type { PageProps } from '../app';
import { ComplianceBar } from '../components/domain';
import { CalendarFeed } from '../components/feed';
import { Badge, Empty, ErrorNotice, Facts, Loading, PageHeader, Section, Tabs, useAsync } from '../components/ui';
import { loadReference } from '../data';
import { formatDocumentaryDate } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';

export function CourtOrderTabs({ current }: { current: string }) {
  const { t } = useI18n();
  return (
    <Tabs
      label={t('court_orders.sections')}
      current={current}
      items={[
        { href: '/court-orders', label: t('court_orders.tab_orders') },
        { href: '/court-orders/calendar', label: t('court_orders.tab_calendar') },
      ]}
    />
  );
}

export default function CourtOrders(_: PageProps) {
  const { t, n, lang } = useI18n();
  const data = useAsync(async () => {
    const [orders, ref] = await Promise.all([
      allPages((cursor) => api.GET('/api/v1/court-orders', { params: { query: { limit: 200, cursor } } }).then(must)),
      loadReference(),
    ]);
    return { orders, ref };
  }, []);

  return (
    <>
      <PageHeader title={t('court_orders.title')} subtitle={t('court_orders.subtitle')} />
      <CourtOrderTabs current="/court-orders" />
      {data.error ? (
        <ErrorNotice error={data.error} />
      ) : !data.data ? (
        <Loading />
      ) : data.data.orders.length === 0 ? (
        <Empty>{t('court_orders.none')}</Empty>
      ) : (
        <div class="stack">
          {data.data.orders.map((o) => (
            <Section key={o.id}>
              <article class="order-card">
                <h2>
                  <Link href={`/court-orders/${o.id}`}>{o.title}</Link>
                </h2>
                <p class="compliance-line">
                  <strong>{t('court_orders.complied_of', { complied: o.compliance.complied, total: o.compliance.total })}</strong>
                  {o.compliance.overdue > 0 && <Badge tone="overdue">{n('count.overdue', o.compliance.overdue)}</Badge>}
                </p>
                <ComplianceBar compliance={o.compliance} />
                <Facts
                  items={[
                    [t('court_order.court'), data.data!.ref.institutionName(o.court_id)],
                    [t('court_order.file_number'), o.file_number],
                    [t('court_order.issued_on'), o.issued_on ? formatDocumentaryDate(o.issued_on, lang) : null],
                    [t('court_order.notified_on'), o.notified_on ? formatDocumentaryDate(o.notified_on, lang) : null],
                  ]}
                />
              </article>
            </Section>
          ))}
        </div>
      )}
      <CalendarFeed />
    </>
  );
}
