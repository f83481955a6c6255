import { useState } from 'preact/hooks';
import { allPages, api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import {
  Badge,
  Button,
  ButtonLink,
  DocDate,
  Empty,
  ErrorNotice,
  Facts,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  Section,
  TextArea,
  splitErrors,
  useAsync,
} from '../components/ui';
import { NetworkLink } from '../components/network-link';
import { describeReason, formatScore } from '../connections/similar';
import { LINK_REASONS, type Reference, loadReference } from '../data';
import { type DocumentaryDate, formatDateTime, formatDocumentaryDate, formatNumber, formatPeriod } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { canWrite, sessionStore } from '../session';
import { useStore } from '../store';

type Proceeding = Schemas['ProceedingOut'];

/** Proceedings about this case; null when the service does not offer them (yet). */
async function loadProceedings(caseId: string): Promise<Proceeding[] | null> {
  try {
    const result = await api.GET('/api/v1/proceedings', { params: { query: { case_id: caseId, limit: 200 } } });
    if (result.response.status === 404 || result.response.status === 405) return null;
    return Array.isArray(must(result).items) ? must(result).items : null;
  } catch {
    return null;
  }
}

async function loadCase(id: string) {
  const [one, links, proceedings, ref] = await Promise.all([
    api.GET('/api/v1/cases/{case_id}', { params: { path: { case_id: id } } }).then(must),
    allPages((cursor) => api.GET('/api/v1/cases/{case_id}/links', { params: { path: { case_id: id }, query: { limit: 200, cursor } } }).then(must)),
    loadProceedings(id),
    loadReference(),
  ]);
  return { c: one, links, proceedings, ref };
}

interface TimelineEvent {
  sort: string;
  when: { doc?: DocumentaryDate; stamp?: string };
  text: string;
  detail?: string;
}

export default function CaseDetail({ params }: PageProps) {
  const { t, l, n, lang } = useI18n();
  const session = useStore(sessionStore);
  const data = useAsync(() => loadCase(params.id), [params.id]);
  const [adding, setAdding] = useState(false);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return <Loading />;
  const { c, links, proceedings, ref } = data.data;
  const writer = canWrite(session);

  const events: TimelineEvent[] = [];
  events.push({ sort: `${c.year_start}-01-01`, when: { doc: { date: `${c.year_start}-01-01`, precision: 'year' } }, text: t('timeline.period_start') });
  if (c.year_end && c.year_end !== c.year_start)
    events.push({ sort: `${c.year_end}-12-31`, when: { doc: { date: `${c.year_end}-01-01`, precision: 'year' } }, text: t('timeline.period_end') });
  for (const s of c.sources) {
    if (s.date) events.push({ sort: s.date.date, when: { doc: s.date }, text: t('timeline.source', { kind: l('source_kind', s.kind) }), detail: s.reference });
  }
  for (const p of proceedings ?? []) {
    if (p.opened_on) events.push({ sort: p.opened_on.date, when: { doc: p.opened_on }, text: t('timeline.proceeding', { kind: l('proceeding_kind', p.kind) }), detail: p.file_number ?? p.title });
  }
  for (const link of links) {
    events.push({ sort: link.created_at.slice(0, 10), when: { stamp: link.created_at }, text: t('timeline.linked', { title: link.other_case_title }) });
  }
  events.push({ sort: c.created_at.slice(0, 10), when: { stamp: c.created_at }, text: t('timeline.recorded') });
  if (c.updated_at !== c.created_at) events.push({ sort: c.updated_at.slice(0, 10), when: { stamp: c.updated_at }, text: t('timeline.updated', { version: c.version }) });
  events.sort((a, b) => a.sort.localeCompare(b.sort));

  const eyebrow = [c.report_number ? t('case.report_number_n', { n: c.report_number }) : null, c.report_wave ? t('case.wave_n', { n: c.report_wave }) : null]
    .filter(Boolean)
    .join(' · ');

  return (
    <>
      <PageHeader
        back={{ href: '/cases', label: t('cases.title') }}
        eyebrow={eyebrow || undefined}
        title={c.title}
        subtitle={`${ref.stateName(c.state)} · ${formatPeriod(c.year_start, c.year_end)}${c.sector ? ` · ${l('sector', c.sector)}` : ''}`}
        actions={
          <>
            <NetworkLink kind="case" id={c.id} />
            {writer && (
              <ButtonLink href={`/cases/${c.id}/edit`} variant="primary">
                {t('common.edit')}
              </ButtonLink>
            )}
          </>
        }
      />
      <div class="grid-detail">
        <div class="stack">
          <Section title={t('case.summary')}>
            {c.summary ? <p class="prose">{c.summary}</p> : <Empty>{t('case.no_summary')}</Empty>}
            {c.internal_notes && (
              <div class="internal-notes">
                <h3>{t('case.internal_notes')}</h3>
                <p class="prose">{c.internal_notes}</p>
              </div>
            )}
          </Section>

          <Section title={t('case.patterns')}>
            {c.patterns.length ? (
              <ul class="chips">
                {c.patterns.map((p) => (
                  <li key={p}>
                    <Link href={`/cases?pattern=${p}`} class="chip">
                      {l('pattern', p)}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : (
              <Empty>{t('case.no_patterns')}</Empty>
            )}
          </Section>

          <Section title={t('case.sources')}>
            {c.sources.length ? (
              <ol class="sources">
                {c.sources.map((s, idx) => (
                  <li key={idx}>
                    <p class="source-kind">
                      {l('source_kind', s.kind)}
                      {s.date && (
                        <>
                          {' · '}
                          <DocDate value={s.date} />
                        </>
                      )}
                    </p>
                    <p>{s.reference}</p>
                    {s.url && (
                      <p>
                        <a href={s.url} rel="noreferrer noopener" target="_blank">
                          {t('case.open_source')}
                          <span class="sr-only"> ({t('common.new_tab')})</span>
                        </a>
                      </p>
                    )}
                  </li>
                ))}
              </ol>
            ) : (
              <Empty>{t('case.no_sources')}</Empty>
            )}
          </Section>

          <Section
            title={t('case.links')}
            actions={writer && !adding ? <Button onClick={() => setAdding(true)}>{t('links.add')}</Button> : undefined}
          >
            {adding && (
              <AddLink
                caseId={c.id}
                onDone={(saved) => {
                  setAdding(false);
                  if (saved) data.reload();
                }}
              />
            )}
            {links.length ? (
              <ul class="links">
                {links.map((link) => (
                  <li key={link.id}>
                    <Link href={`/cases/${link.other_case_id}`}>{link.other_case_title}</Link>{' '}
                    <Badge>{l('link_reason', link.reason)}</Badge>
                    {link.note && <p class="meta">{link.note}</p>}
                  </li>
                ))}
              </ul>
            ) : (
              !adding && <Empty>{t('case.no_links')}</Empty>
            )}
          </Section>

          <SimilarCases caseId={c.id} proceedings={proceedings ?? []} reference={ref} />

          <Section title={t('case.proceedings')}>
            {proceedings === null ? (
              <Empty>{t('case.proceedings_unavailable')}</Empty>
            ) : proceedings.length === 0 ? (
              <Empty>{t('case.no_proceedings')}</Empty>
            ) : (
              <ul class="proceedings">
                {proceedings.map((p) => (
                  <li key={p.id}>
                    <Link href={`/investigations/${p.id}`}>{p.title}</Link>
                    <p class="meta">
                      {l('proceeding_kind', p.kind)} · {p.file_number ?? t('common.no_file_number')} · {l('proceeding_status', p.status)}
                      {p.opened_on && <> · {t('proceedings.opened', { date: formatDocumentaryDate(p.opened_on, lang) })}</>}
                    </p>
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
                [t('case.state'), ref.stateName(c.state)],
                [t('case.period'), formatPeriod(c.year_start, c.year_end)],
                [t('case.institution'), c.institution_id ? <Link href={`/institutions/${c.institution_id}`}>{ref.institutionName(c.institution_id)}</Link> : null],
                [t('case.sector'), l('sector', c.sector)],
                [t('case.legal_status'), l('legal_status', c.legal_status)],
                [t('case.report_number'), c.report_number],
                [t('case.report_wave'), c.report_wave],
                [t('case.victims_count'), c.victims_count === null ? null : formatNumber(c.victims_count, lang)],
                [t('case.aggressors_count'), c.aggressors_count === null ? null : formatNumber(c.aggressors_count, lang)],
                [t('common.visibility'), l('visibility', c.visibility)],
                [t('common.updated'), formatDateTime(c.updated_at, lang)],
              ]}
            />
            <p class="meta">{t('case.no_names')}</p>
          </Section>

          <Section title={t('case.timeline')}>
            <ol class="timeline" data-testid="timeline">
              {events.map((e, idx) => (
                <li key={idx}>
                  <p class="timeline-when">
                    {e.when.doc ? <DocDate value={e.when.doc} /> : formatDateTime(e.when.stamp, lang)}
                  </p>
                  <p class="timeline-what">{e.text}</p>
                  {e.detail && <p class="meta">{e.detail}</p>}
                </li>
              ))}
            </ol>
            <p class="meta">{n('count.events', events.length)}</p>
          </Section>
        </div>
      </div>
    </>
  );
}

/** Other cases ranked by what they share with this one, each with its reasons. */
function SimilarCases({ caseId, proceedings, reference }: { caseId: string; proceedings: Proceeding[]; reference: Reference }) {
  const i18n = useI18n();
  const { t, l, locale, lang } = i18n;
  const similar = useAsync(
    () => api.GET('/api/v1/cases/{case_id}/similar', { params: { path: { case_id: caseId }, query: { limit: 10 } } }).then(must),
    [caseId],
  );
  const names = {
    state: reference.stateName,
    institution: (id: string) => reference.institutions.find((x) => x.id === id)?.name ?? null,
    proceeding: (id: string) => proceedings.find((p) => p.id === id)?.title ?? null,
  };
  return (
    <Section title={t('similar.title')}>
      <p class="card-intro">{t('similar.intro')}</p>
      {similar.error ? (
        <ErrorNotice error={similar.error} />
      ) : similar.data === undefined ? (
        <Loading />
      ) : similar.data.items.length === 0 ? (
        <Empty>{t('similar.none')}</Empty>
      ) : (
        <ol class="similar" data-testid="similar-cases">
          {similar.data.items.map((item) => (
            <li key={item.case.id}>
              <div class="similar-head">
                <Link href={`/cases/${item.case.id}`}>{item.case.title}</Link>
                <span class="similar-score">
                  <span class="similar-score-label">{t('similar.score')}</span> {formatScore(item.score, locale)}
                </span>
              </div>
              <p class="meta">
                {[
                  reference.stateName(item.case.state),
                  formatPeriod(item.case.year_start, item.case.year_end),
                  item.case.sector ? l('sector', item.case.sector) : null,
                  item.case.level ? l('level', item.case.level) : null,
                  item.case.report_wave ? t('case.wave_n', { n: item.case.report_wave }) : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </p>
              <ul class="similar-reasons" aria-label={t('similar.reasons')}>
                {item.reasons.map((reason) => {
                  const r = describeReason(reason, i18n, names);
                  return (
                    <li key={r.kind} title={lang === 'es' ? r.detail : undefined} data-reason={r.kind}>
                      <span class="reason-label">{r.label}</span>
                      {r.values.length > 0 && ': '}
                      {r.values.map((v, idx) => (
                        <span key={idx}>
                          {idx > 0 && ', '}
                          {v.href ? <Link href={v.href}>{v.text}</Link> : v.text}
                        </span>
                      ))}{' '}
                      <span class="meta">(+{formatScore(r.weight, locale)})</span>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

function AddLink({ caseId, onDone }: { caseId: string; onDone: (saved: boolean) => void }) {
  const { t, l } = useI18n();
  const cases = useAsync(
    () => allPages((cursor) => api.GET('/api/v1/cases', { params: { query: { limit: 200, cursor, sort: 'title' } } }).then(must)),
    [],
  );
  const [other, setOther] = useState('');
  const [reason, setReason] = useState<Schemas['LinkReason']>('shared_pattern');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { byField, other: otherErrors } = splitErrors(error, ['other_case_id', 'reason', 'note']);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      must(
        await api.POST('/api/v1/cases/{case_id}/links', {
          params: { path: { case_id: caseId } },
          body: { other_case_id: other, reason, note: note.trim() || null },
        }),
      );
      onDone(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form class="inline-form" onSubmit={submit}>
      {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
      {otherErrors.length > 0 && <Notice kind="error">{otherErrors.join(' ')}</Notice>}
      <SelectField
        label={t('links.other_case')}
        name="other_case_id"
        required
        value={other}
        empty={cases.loading ? t('common.loading') : t('links.choose_case')}
        options={(cases.data ?? []).filter((c) => c.id !== caseId).map((c) => ({ value: c.id, label: c.title }))}
        onChange={setOther}
        error={byField.other_case_id}
      />
      <SelectField
        label={t('links.reason')}
        name="reason"
        value={reason}
        options={LINK_REASONS.map((r) => ({ value: r, label: l('link_reason', r) }))}
        onChange={(v) => setReason(v as Schemas['LinkReason'])}
        error={byField.reason}
      />
      <TextArea label={t('links.note')} name="note" rows={2} value={note} onInput={setNote} error={byField.note} />
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy || !other}>
          {t('links.save')}
        </button>
        <Button variant="link" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </Button>
      </div>
    </form>
  );
}
