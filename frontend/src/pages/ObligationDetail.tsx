import { useState } from 'preact/hooks';
import { allPages, api, ApiError, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { Actor, EvidenceItem, scheduleText } from '../components/domain';
import { fieldErrorsOf, flashStore } from '../components/forms';
import {
  Badge,
  Button,
  ComplianceBadge,
  Empty,
  ErrorNotice,
  errorMessage,
  Facts,
  Loading,
  Notice,
  PageHeader,
  Section,
  SelectField,
  TextArea,
  TextField,
  useAsync,
} from '../components/ui';
import { COMPLIANCE, loadReference } from '../data';
import { formatBytes, formatDate, formatDateTime, todayIso } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { canWrite, sessionStore } from '../session';
import { useStore } from '../store';

type Evidence = Schemas['EvidenceOut'];

/** Documents about this obligation; null when the service does not offer evidence (yet). */
async function loadEvidence(id: string): Promise<Evidence[] | null> {
  try {
    return await allPages((cursor) =>
      api.GET('/api/v1/evidence', { params: { query: { subject_type: 'obligation', subject_id: id, limit: 200, cursor } } }).then(must),
    );
  } catch (e) {
    if (e instanceof ApiError && e.status !== 404 && e.status !== 405) throw e;
    return null;
  }
}

async function load(id: string) {
  const obligation = await api.GET('/api/v1/obligations/{obligation_id}', { params: { path: { obligation_id: id } } }).then(must);
  const [order, history, evidence, occurrences, ref] = await Promise.all([
    api.GET('/api/v1/court-orders/{order_id}', { params: { path: { order_id: obligation.court_order_id } } }).then(must),
    api.GET('/api/v1/obligations/{obligation_id}/status-changes', { params: { path: { obligation_id: id } } }).then(must),
    loadEvidence(id),
    obligation.schedule
      ? api.GET('/api/v1/obligations/{obligation_id}/occurrences', { params: { path: { obligation_id: id } } }).then(must)
      : Promise.resolve([]),
    loadReference(),
  ]);
  return { obligation, order, history: [...history].reverse(), evidence, occurrences, ref };
}

export default function ObligationDetail({ params }: PageProps) {
  const i = useI18n();
  const { t, n, lang } = i;
  const session = useStore(sessionStore);
  const data = useAsync(() => load(params.id), [params.id]);
  const [recording, setRecording] = useState(false);

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return <Loading />;
  const { obligation: o, order, history, evidence, occurrences, ref } = data.data;
  const byId = new Map((evidence ?? []).map((e) => [e.id, e]));

  return (
    <>
      <PageHeader
        back={{ href: `/court-orders/${order.id}`, label: order.title }}
        eyebrow={t('obligation.number', { number: o.number })}
        title={o.description}
        actions={
          canWrite(session) && !recording ? (
            <Button variant="primary" onClick={() => setRecording(true)}>
              {t('status_change.record')}
            </Button>
          ) : undefined
        }
      />
      <div class="grid-detail">
        <div class="stack">
          {recording && (
            <RecordStatusChange
              obligation={o}
              onDone={(saved) => {
                setRecording(false);
                if (saved) {
                  flashStore.set({ kind: 'success', text: t('status_change.saved') });
                  data.reload();
                }
              }}
            />
          )}
          <Section title={t('obligation.history')}>
            {history.length === 0 ? (
              <Empty>{t('obligation.no_history')}</Empty>
            ) : (
              <ol class="history" data-testid="history">
                {history.map((h) => (
                  <li key={h.id}>
                    <p class="history-head">
                      {h.previous_status ? (
                        <>
                          <ComplianceBadge status={h.previous_status} /> <span aria-hidden="true">→</span>
                          <span class="sr-only">{t('status_change.to')}</span>{' '}
                        </>
                      ) : null}
                      <ComplianceBadge status={h.status} />
                      <span class="meta">
                        {t('status_change.effective', { date: formatDate(h.effective_on, lang) })}
                        {h.occurrence_sequence ? ` · ${t('status_change.occurrence', { n: h.occurrence_sequence })}` : ''}
                      </span>
                    </p>
                    <p class="prose">{h.reason}</p>
                    {h.evidence_ids.length > 0 && (
                      <ul class="evidence-list">
                        {h.evidence_ids.map((id) =>
                          byId.get(id) ? <EvidenceItem key={id} e={byId.get(id)!} /> : <li key={id} class="meta mono">{id}</li>,
                        )}
                      </ul>
                    )}
                    <p class="meta">
                      {t('status_change.recorded_by')} <Actor actor={h.recorded_by} /> · {formatDateTime(h.recorded_at, lang)}
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </Section>
          <Section title={t('obligation.evidence')}>
            {evidence === null ? (
              <Empty>{t('evidence.unavailable')}</Empty>
            ) : evidence.length === 0 ? (
              <Empty>{t('evidence.none')}</Empty>
            ) : (
              <ul class="evidence-list" data-testid="evidence">
                {evidence.map((e) => (
                  <EvidenceItem key={e.id} e={e} />
                ))}
              </ul>
            )}
          </Section>
          {occurrences.length > 0 && (
            <Section title={t('obligation.occurrences')}>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t('obligation.due_on')}</th>
                    <th scope="col">{t('obligation.status')}</th>
                    <th scope="col">{t('obligation.days_late')}</th>
                  </tr>
                </thead>
                <tbody>
                  {occurrences.map((x) => (
                    <tr key={x.sequence}>
                      <td class="num">{x.sequence}</td>
                      <td>{formatDate(x.due_on, lang)}</td>
                      <td>
                        <ComplianceBadge status={x.status} />
                      </td>
                      <td>{x.overdue ? <Badge tone="overdue">{n('count.days_late', x.days_late)}</Badge> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          )}
        </div>
        <div class="stack">
          <Section title={t('case.facts')}>
            <Facts
              items={[
                [t('obligation.status'), <ComplianceBadge status={o.status} />],
                [t('obligation.status_since'), o.status_since ? formatDate(o.status_since, lang) : null],
                [t('obligation.obligated'), <Link href={`/institutions/${o.obligated_id}`}>{ref.institutionName(o.obligated_id)}</Link>],
                [t('obligation.schedule'), scheduleText(o, i)],
                [t('obligation.next_due'), o.next_due_on ? formatDate(o.next_due_on, lang) : t('obligation.no_deadline')],
                [t('obligation.overdue'), o.overdue ? <Badge tone="overdue">{t('common.yes')}</Badge> : t('common.no')],
                [t('obligation.complied_on'), o.complied_on ? formatDate(o.complied_on, lang) : null],
                [t('obligation.order'), <Link href={`/court-orders/${order.id}`}>{order.title}</Link>],
              ]}
            />
            {o.deadline_note && <p class="note">{o.deadline_note}</p>}
            {o.internal_notes && <p class="note">{o.internal_notes}</p>}
          </Section>
        </div>
      </div>
    </>
  );
}

const FIELDS = ['status', 'effective_on', 'reason', 'evidence_ids', 'occurrence_sequence', 'file'];

function RecordStatusChange({ obligation, onDone }: { obligation: Schemas['ObligationOut']; onDone: (saved: boolean) => void }) {
  const i = useI18n();
  const { t, l, lang } = i;
  const [status, setStatus] = useState<Schemas['ComplianceStatus']>(obligation.status === 'pending' ? 'partial' : obligation.status);
  const [effective, setEffective] = useState(todayIso());
  const [reason, setReason] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [uploaded, setUploaded] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [uploadError, setUploadError] = useState<{ file: string; error: unknown } | null>(null);
  const [busy, setBusy] = useState(false);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const { byField, other } = fieldErrorsOf(error, i, (f) => FIELDS.some((x) => f === x || f.startsWith(`${x}.`)));
  const fileKey = (f: File) => `${f.name}:${f.size}:${f.lastModified}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setUploadError(null);
    const ids: string[] = [];
    const done = { ...uploaded };
    // 1. Each document is stored first (once, even if the form is sent again), about this obligation.
    for (const file of files) {
      const k = fileKey(file);
      if (!done[k]) {
        const form = new FormData();
        form.append('subject_type', 'obligation');
        form.append('subject_id', obligation.id);
        form.append('file', file, file.name);
        try {
          const evidence = must(
            // FormData goes through openapi-fetch untouched; the browser sets the multipart boundary.
            await api.POST('/api/v1/evidence', { body: form as unknown as { file: string } }),
          );
          done[k] = evidence.id;
          setUploaded({ ...done });
        } catch (e) {
          setUploadError({ file: file.name, error: e });
          setBusy(false);
          return;
        }
      }
      ids.push(done[k]);
    }
    // 2. The status change, citing them.
    try {
      must(
        await api.POST('/api/v1/obligations/{obligation_id}/status-changes', {
          params: { path: { obligation_id: obligation.id }, header: { 'Idempotency-Key': idempotencyKey } },
          body: { status, effective_on: effective, reason: reason.trim(), evidence_ids: ids },
        }),
      );
      onDone(true);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <Section title={t('status_change.title')}>
      <form class="form" onSubmit={submit} noValidate data-testid="status-change-form">
        {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
        {other.length > 0 && <Notice kind="error">{other.map((o) => `${o.field}: ${o.message}`).join(' ')}</Notice>}
        <div class="form-grid">
          <SelectField
            label={t('status_change.new_status')}
            name="status"
            required
            value={status}
            options={COMPLIANCE.map((s) => ({ value: s, label: l('compliance', s) }))}
            onChange={(v) => setStatus(v as Schemas['ComplianceStatus'])}
            error={byField.status}
            hint={t('status_change.current', { status: l('compliance', obligation.status) })}
          />
          <TextField
            label={t('status_change.effective_on')}
            name="effective_on"
            type="date"
            required
            max={todayIso()}
            value={effective}
            onInput={setEffective}
            error={byField.effective_on}
            hint={t('status_change.effective_hint')}
          />
          <TextArea
            class="span-2"
            label={t('status_change.reason')}
            name="reason"
            required
            rows={4}
            value={reason}
            onInput={setReason}
            error={byField.reason}
            hint={t('status_change.reason_hint')}
          />
          <div class={`field span-2 ${uploadError || byField.evidence_ids ? 'field-invalid' : ''}`}>
            <label for="evidence-files">{t('status_change.evidence')}</label>
            <p class="hint" id="evidence-files-hint">
              {t('status_change.evidence_hint')}
            </p>
            <input
              id="evidence-files"
              name="file"
              type="file"
              multiple
              aria-describedby={`evidence-files-hint${uploadError ? ' evidence-files-error' : ''}`}
              aria-invalid={uploadError ? true : undefined}
              onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])}
            />
            {files.length > 0 && (
              <ul class="file-list">
                {files.map((f) => (
                  <li key={fileKey(f)}>
                    {f.name} <span class="meta">({formatBytes(f.size, lang)})</span>
                    {uploaded[fileKey(f)] && <Badge tone="complied">{t('status_change.uploaded')}</Badge>}
                  </li>
                ))}
              </ul>
            )}
            {uploadError && (
              <p class="field-error" id="evidence-files-error">
                {t('status_change.upload_failed', { file: uploadError.file })}{' '}
                {errorMessage(uploadError.error, i)}
              </p>
            )}
            {byField.evidence_ids && <p class="field-error">{byField.evidence_ids}</p>}
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
            {busy ? t('common.saving') : t('status_change.save')}
          </button>
          <Button variant="link" onClick={() => onDone(false)}>
            {t('common.cancel')}
          </Button>
        </div>
      </form>
    </Section>
  );
}
