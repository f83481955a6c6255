import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, etagOf, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { fieldErrorsOf, flashStore } from '../components/forms';
import {
  Button,
  CheckboxGroup,
  Dialog,
  DocDateField,
  ErrorNotice,
  Loading,
  Notice,
  PageHeader,
  Section,
  SelectField,
  TextArea,
  TextField,
  useAsync,
} from '../components/ui';
import { LEGAL_STATUSES, loadReference, PATTERNS, SOURCE_KINDS, VISIBILITIES } from '../data';
import { formatDateTime, formatDocumentaryDate, type DocumentaryDate } from '../format';
import type { Key } from '../i18n';
import { type I18n, useI18n } from '../i18n';
import { navigate } from '../router';
import { canWrite, sessionStore } from '../session';
import { useStore } from '../store';

type Case = Schemas['CaseOut'];
type CaseCreate = Schemas['CaseCreate'];
type CaseUpdate = Schemas['CaseUpdate'];

interface SourceDraft {
  kind: Schemas['SourceKind'];
  reference: string;
  date: DocumentaryDate | null;
  url: string;
}

export interface Draft {
  title: string;
  institution_id: string;
  state: string;
  year_start: string;
  year_end: string;
  report_number: string;
  report_wave: string;
  legal_status: Schemas['LegalStatus'];
  victims_count: string;
  aggressors_count: string;
  summary: string;
  internal_notes: string;
  patterns: Schemas['Pattern'][];
  sources: SourceDraft[];
  visibility: Schemas['Visibility'];
}

const FIELDS = [
  'title',
  'institution_id',
  'state',
  'year_start',
  'year_end',
  'report_number',
  'report_wave',
  'legal_status',
  'victims_count',
  'aggressors_count',
  'summary',
  'internal_notes',
  'patterns',
  'sources',
  'visibility',
] as const;
type Field = (typeof FIELDS)[number];

const FIELD_LABEL: Record<Field, Key> = {
  title: 'case.title',
  institution_id: 'case.institution',
  state: 'case.state',
  year_start: 'case.year_start',
  year_end: 'case.year_end',
  report_number: 'case.report_number',
  report_wave: 'case.report_wave',
  legal_status: 'case.legal_status',
  victims_count: 'case.victims_count',
  aggressors_count: 'case.aggressors_count',
  summary: 'case.summary',
  internal_notes: 'case.internal_notes',
  patterns: 'case.patterns',
  sources: 'case.sources',
  visibility: 'common.visibility',
};

const EMPTY: Draft = {
  title: '',
  institution_id: '',
  state: '',
  year_start: '',
  year_end: '',
  report_number: '',
  report_wave: '',
  legal_status: 'documented',
  victims_count: '',
  aggressors_count: '',
  summary: '',
  internal_notes: '',
  patterns: [],
  sources: [],
  visibility: 'internal',
};

const str = (v: number | string | null | undefined) => (v === null || v === undefined ? '' : String(v));
const num = (v: string) => (v.trim() === '' ? null : Number(v));
const text = (v: string) => (v.trim() === '' ? null : v.trim());

export function draftOf(c: Case): Draft {
  return {
    title: c.title,
    institution_id: c.institution_id ?? '',
    state: c.state,
    year_start: str(c.year_start),
    year_end: str(c.year_end),
    report_number: str(c.report_number),
    report_wave: str(c.report_wave),
    legal_status: c.legal_status,
    victims_count: str(c.victims_count),
    aggressors_count: str(c.aggressors_count),
    summary: c.summary ?? '',
    internal_notes: c.internal_notes ?? '',
    patterns: [...c.patterns],
    sources: c.sources.map((s) => ({ kind: s.kind, reference: s.reference, date: s.date ?? null, url: s.url ?? '' })),
    visibility: c.visibility,
  };
}

/** The API body for each field of the draft. */
function values(d: Draft) {
  return {
    title: d.title.trim(),
    institution_id: d.institution_id || null,
    state: d.state,
    year_start: num(d.year_start) as number,
    year_end: num(d.year_end),
    report_number: num(d.report_number),
    report_wave: num(d.report_wave),
    legal_status: d.legal_status,
    victims_count: num(d.victims_count),
    aggressors_count: num(d.aggressors_count),
    summary: text(d.summary),
    internal_notes: text(d.internal_notes),
    patterns: d.patterns,
    sources: d.sources.map((s) => ({ kind: s.kind, reference: s.reference.trim(), date: s.date, url: text(s.url) })),
    visibility: d.visibility,
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Only the fields the user changed, so a PATCH never rewrites what they did not touch. */
export function changes(base: Draft, draft: Draft): CaseUpdate {
  const before = values(base);
  const after = values(draft);
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (!same(before[f], after[f])) out[f] = after[f];
  return out as CaseUpdate;
}

/** A field's value as people read it, for the conflict comparison. */
function show(field: Field, d: Draft, i: I18n, ref: Awaited<ReturnType<typeof loadReference>>): string {
  const { l, lang } = i;
  switch (field) {
    case 'institution_id':
      return d.institution_id ? ref.institutionName(d.institution_id) : '—';
    case 'state':
      return ref.stateName(d.state);
    case 'legal_status':
      return l('legal_status', d.legal_status);
    case 'visibility':
      return l('visibility', d.visibility);
    case 'patterns':
      return d.patterns.map((p) => l('pattern', p)).join(', ') || '—';
    case 'sources':
      return (
        d.sources
          .map((s) => `${l('source_kind', s.kind)}: ${s.reference}${s.date ? ` (${formatDocumentaryDate(s.date, lang)})` : ''}`)
          .join('; ') || '—'
      );
    default:
      return d[field] || '—';
  }
}

interface Conflict {
  theirs: Case;
  etag: string;
}

export default function CaseForm({ params }: PageProps) {
  const i = useI18n();
  const { t, l, n } = i;
  const session = useStore(sessionStore);
  const editing = Boolean(params.id);
  const loaded = useAsync(async () => {
    const ref = await loadReference();
    if (!params.id) return { ref, c: null, etag: '' };
    const result = await api.GET('/api/v1/cases/{case_id}', { params: { path: { case_id: params.id } } });
    return { ref, c: must(result), etag: etagOf(result.response) };
  }, [params.id]);

  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [base, setBase] = useState<Draft>(EMPTY);
  const [etag, setEtag] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  // Fields edited since the last answer: their old error no longer applies.
  const [touched, setTouched] = useState<Set<string>>(new Set());

  useEffect(() => {
    if (loaded.data?.c) {
      const d = draftOf(loaded.data.c);
      setDraft(d);
      setBase(d);
      setEtag(loaded.data.etag);
    }
  }, [loaded.data]);

  const title = editing ? t('case_form.edit_title') : t('case_form.new_title');
  if (!canWrite(session)) {
    return (
      <>
        <PageHeader title={title} back={{ href: editing ? `/cases/${params.id}` : '/cases', label: t('common.back') }} />
        <Notice kind="warning" title={t('error.forbidden_title')} role="alert">
          <p>{t('error.read_only')}</p>
        </Notice>
      </>
    );
  }
  if (loaded.error) return <ErrorNotice error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const ref = loaded.data.ref;

  const known = (f: string) => FIELDS.some((x) => f === x || f.startsWith(`${x}.`));
  const { byField, other } = fieldErrorsOf(error, i, known);
  const fieldError = (f: string) => (touched.has(f) ? undefined : byField[f]);
  const touch = (f: string) => !touched.has(f) && setTouched(new Set([...touched, f]));
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    touch(k);
    setDraft((d) => ({ ...d, [k]: v }));
  };
  const setSource = (idx: number, patch: Partial<SourceDraft>) => {
    for (const k of Object.keys(patch)) touch(`sources.${idx}.${k}`);
    setDraft((d) => ({ ...d, sources: d.sources.map((s, j) => (j === idx ? { ...s, ...patch } : s)) }));
  };

  const save = async (body: CaseUpdate, version: string) => {
    const result = await api.PATCH('/api/v1/cases/{case_id}', {
      params: { path: { case_id: params.id }, header: { 'if-match': version } },
      body,
    });
    return must(result);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setTouched(new Set());
    try {
      if (!editing) {
        const created = must(await api.POST('/api/v1/cases', { body: values(draft) as CaseCreate }));
        flashStore.set({ kind: 'success', text: t('case_form.created') });
        navigate(`/cases/${created.id}`);
        return;
      }
      const body = changes(base, draft);
      if (Object.keys(body).length) await save(body, etag);
      flashStore.set({ kind: 'success', text: Object.keys(body).length ? t('case_form.saved') : t('case_form.nothing_changed') });
      navigate(`/cases/${params.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        // Someone else saved first: nothing was written. Show both versions; the user decides.
        const latest = await api.GET('/api/v1/cases/{case_id}', { params: { path: { case_id: params.id } } });
        setConflict({ theirs: must(latest), etag: etagOf(latest.response) });
      } else {
        setError(e);
        setTimeout(() => document.querySelector<HTMLElement>('.error-summary, [aria-invalid="true"]')?.focus(), 0);
      }
      setBusy(false);
    }
  };

  const resolveConflict = async (choice: 'mine' | 'theirs') => {
    if (!conflict) return;
    const theirs = draftOf(conflict.theirs);
    if (choice === 'theirs') {
      setDraft(theirs);
      setBase(theirs);
      setEtag(conflict.etag);
      setConflict(null);
      return;
    }
    // Apply only my changes on top of their version, knowingly (If-Match: their version).
    setBusy(true);
    try {
      await save(changes(base, draft), conflict.etag);
      setConflict(null);
      flashStore.set({ kind: 'success', text: t('case_form.saved') });
      navigate(`/cases/${params.id}`);
    } catch (e) {
      setConflict(null);
      setError(e);
      setBusy(false);
    }
  };

  const schools = ref.institutions.filter(
    (x) => x.id === draft.institution_id || (x.kind === 'school' && (!draft.state || x.state === draft.state)),
  );
  const errorCount = Object.keys(byField).length + other.length;

  return (
    <>
      <PageHeader
        title={title}
        subtitle={editing ? loaded.data.c?.title : t('case_form.new_intro')}
        back={{ href: editing ? `/cases/${params.id}` : '/cases', label: t('common.back') }}
      />
      <form class="form" onSubmit={submit} noValidate>
        {error && errorCount > 0 ? (
          <div class="notice notice-error error-summary" role="alert" tabIndex={-1}>
            <p class="notice-title">{n('count.form_errors', errorCount)}</p>
            {other.length > 0 && (
              <ul>
                {other.map((o) => (
                  <li key={o.field}>
                    {o.field}: {o.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : error ? (
          <ErrorNotice error={error} />
        ) : null}

        <Section title={t('case_form.section_case')}>
          <div class="form-grid">
            <TextField class="span-2" label={t('case.title')} name="title" required value={draft.title} onInput={(v) => set('title', v)} error={fieldError('title')} hint={t('case_form.title_hint')} />
            <SelectField
              label={t('case.state')}
              name="state"
              required
              value={draft.state}
              empty={t('case_form.choose_state')}
              options={ref.states.map((s) => ({ value: s.code, label: s.name }))}
              onChange={(v) => set('state', v)}
              error={fieldError('state')}
            />
            <SelectField
              label={t('case.institution')}
              name="institution_id"
              value={draft.institution_id}
              empty={t('case_form.no_institution')}
              options={schools.map((s) => ({ value: s.id, label: s.name }))}
              onChange={(v) => set('institution_id', v)}
              error={fieldError('institution_id')}
              hint={t('case_form.institution_hint')}
            />
            <TextField label={t('case.year_start')} name="year_start" type="number" inputMode="numeric" required value={draft.year_start} onInput={(v) => set('year_start', v)} error={fieldError('year_start')} />
            <TextField label={t('case.year_end')} name="year_end" type="number" inputMode="numeric" value={draft.year_end} onInput={(v) => set('year_end', v)} error={fieldError('year_end')} hint={t('case_form.year_end_hint')} />
            <SelectField
              label={t('case.legal_status')}
              name="legal_status"
              value={draft.legal_status}
              options={LEGAL_STATUSES.map((s) => ({ value: s, label: l('legal_status', s) }))}
              onChange={(v) => set('legal_status', v as Schemas['LegalStatus'])}
              error={fieldError('legal_status')}
            />
            <SelectField
              label={t('common.visibility')}
              name="visibility"
              value={draft.visibility}
              options={VISIBILITIES.map((s) => ({ value: s, label: l('visibility', s) }))}
              onChange={(v) => set('visibility', v as Schemas['Visibility'])}
              error={fieldError('visibility')}
              hint={t(`visibility_hint.${draft.visibility}` as never)}
            />
            <TextField label={t('case.report_number')} name="report_number" type="number" inputMode="numeric" value={draft.report_number} onInput={(v) => set('report_number', v)} error={fieldError('report_number')} />
            <TextField label={t('case.report_wave')} name="report_wave" type="number" inputMode="numeric" value={draft.report_wave} onInput={(v) => set('report_wave', v)} error={fieldError('report_wave')} />
            <TextField label={t('case.victims_count')} name="victims_count" type="number" inputMode="numeric" value={draft.victims_count} onInput={(v) => set('victims_count', v)} error={fieldError('victims_count')} hint={t('case_form.counts_hint')} />
            <TextField label={t('case.aggressors_count')} name="aggressors_count" type="number" inputMode="numeric" value={draft.aggressors_count} onInput={(v) => set('aggressors_count', v)} error={fieldError('aggressors_count')} />
            <TextArea class="span-2" label={t('case.summary')} name="summary" rows={5} value={draft.summary} onInput={(v) => set('summary', v)} error={fieldError('summary')} hint={t('case_form.summary_hint')} />
            <TextArea class="span-2" label={t('case.internal_notes')} name="internal_notes" rows={3} value={draft.internal_notes} onInput={(v) => set('internal_notes', v)} error={fieldError('internal_notes')} hint={t('case_form.internal_notes_hint')} />
          </div>
        </Section>

        <Section title={t('case.patterns')}>
          <CheckboxGroup
            legend={t('case_form.patterns_legend')}
            name="patterns"
            columns
            options={PATTERNS.map((p) => ({ value: p, label: l('pattern', p) }))}
            values={draft.patterns}
            onChange={(v) => set('patterns', v as Schemas['Pattern'][])}
            error={fieldError('patterns')}
          />
        </Section>

        <Section
          title={t('case.sources')}
          actions={
            <Button onClick={() => set('sources', [...draft.sources, { kind: 'court_file', reference: '', date: null, url: '' }])}>
              {t('case_form.add_source')}
            </Button>
          }
        >
          {draft.sources.length === 0 && <p class="empty">{t('case.no_sources')}</p>}
          {draft.sources.map((s, idx) => (
            <fieldset class="source-fieldset" key={idx}>
              <legend>{t('case_form.source_n', { n: idx + 1 })}</legend>
              <div class="form-grid">
                <SelectField
                  label={t('source.kind')}
                  name={`sources.${idx}.kind`}
                  value={s.kind}
                  options={SOURCE_KINDS.map((k) => ({ value: k, label: l('source_kind', k) }))}
                  onChange={(v) => setSource(idx, { kind: v as Schemas['SourceKind'] })}
                  error={fieldError(`sources.${idx}.kind`)}
                />
                <DocDateField label={t('source.date')} name={`sources.${idx}.date`} value={s.date} onChange={(v) => setSource(idx, { date: v })} error={fieldError(`sources.${idx}.date`) ?? fieldError(`sources.${idx}.date.date`)} />
                <TextArea class="span-2" label={t('source.reference')} name={`sources.${idx}.reference`} required rows={2} value={s.reference} onInput={(v) => setSource(idx, { reference: v })} error={fieldError(`sources.${idx}.reference`)} />
                <TextField class="span-2" label={t('source.url')} name={`sources.${idx}.url`} type="url" value={s.url} onInput={(v) => setSource(idx, { url: v })} error={fieldError(`sources.${idx}.url`)} />
              </div>
              <Button variant="link" onClick={() => set('sources', draft.sources.filter((_, j) => j !== idx))}>
                {t('case_form.remove_source', { n: idx + 1 })}
              </Button>
            </fieldset>
          ))}
          {fieldError('sources') && <p class="field-error">{fieldError('sources')}</p>}
        </Section>

        <div class="form-actions sticky-actions">
          <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
            {busy ? t('common.saving') : editing ? t('case_form.save') : t('case_form.create')}
          </button>
          <Button variant="link" onClick={() => navigate(editing ? `/cases/${params.id}` : '/cases')}>
            {t('common.cancel')}
          </Button>
        </div>
      </form>

      <Dialog open={conflict !== null} title={t('conflict.title')} onClose={() => setConflict(null)} wide>
        {conflict && (
          <ConflictView
            mine={draft}
            theirs={draftOf(conflict.theirs)}
            base={base}
            render={(f, d) => show(f, d, i, ref)}
            by={conflict.theirs.updated_at}
            busy={busy}
            onChoose={resolveConflict}
            onCancel={() => setConflict(null)}
          />
        )}
      </Dialog>
    </>
  );
}

function ConflictView(props: {
  mine: Draft;
  theirs: Draft;
  base: Draft;
  render: (field: Field, d: Draft) => string;
  by: string;
  busy: boolean;
  onChoose: (choice: 'mine' | 'theirs') => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const mineChanged = changes(props.base, props.mine) as Record<string, unknown>;
  const theirsChanged = changes(props.base, props.theirs) as Record<string, unknown>;
  const fields = FIELDS.filter((f) => f in mineChanged || f in theirsChanged);
  const { lang } = useI18n();
  const label = (f: Field) => t(FIELD_LABEL[f]);
  return (
    <div data-testid="conflict">
      <p>{t('conflict.explain')}</p>
      <p class="meta">{t('conflict.saved_at', { when: formatDateTime(props.by, lang) })}</p>
      <div class="table-scroll">
        <table class="table conflict-table">
          <caption class="sr-only">{t('conflict.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('conflict.field')}</th>
              <th scope="col">{t('conflict.mine')}</th>
              <th scope="col">{t('conflict.theirs')}</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => {
              const differs = props.render(f, props.mine) !== props.render(f, props.theirs);
              return (
                <tr key={f} class={differs ? 'differs' : ''}>
                  <th scope="row">{label(f)}</th>
                  <td>{props.render(f, props.mine)}</td>
                  <td>{props.render(f, props.theirs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="meta">{t('conflict.nothing_saved')}</p>
      <div class="form-actions">
        <Button variant="primary" busy={props.busy} onClick={() => props.onChoose('mine')}>
          {t('conflict.keep_mine')}
        </Button>
        <Button onClick={() => props.onChoose('theirs')}>{t('conflict.take_theirs')}</Button>
        <Button variant="link" onClick={props.onCancel}>
          {t('conflict.review')}
        </Button>
      </div>
    </div>
  );
}
