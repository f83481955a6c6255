// Pieces that show the domain's own ideas: compliance, schedules, evidence.
import { useEffect, useState } from 'preact/hooks';
import { downloadEvidence, type Schemas } from '../api/client';
import { COMPLIANCE, loadActors } from '../data';
import { formatBytes, formatDate, formatDateTime, formatNumber } from '../format';
import { type I18n, useI18n } from '../i18n';
import { Button, errorMessage } from './ui';

export function ComplianceBar({ compliance }: { compliance: Schemas['Compliance'] }) {
  const { l, lang } = useI18n();
  const total = compliance.total || 1;
  const by = compliance.by_status as Record<string, number>;
  return (
    <div class="compliance">
      <div class="compliance-bar" aria-hidden="true">
        {COMPLIANCE.map((s) =>
          by[s] ? <span key={s} class={`seg seg-${s}`} style={{ width: `${(by[s] / total) * 100}%` }} /> : null,
        )}
      </div>
      <ul class="compliance-legend">
        {COMPLIANCE.map((s) => (
          <li key={s}>
            <span class={`dot seg-${s}`} aria-hidden="true" /> {l('compliance', s)}: {formatNumber(by[s] ?? 0, lang)}
          </li>
        ))}
      </ul>
    </div>
  );
}

interface Schedule {
  kind?: string;
  due_on?: string;
  term?: { days: number; unit: string };
  rrule?: string;
  starts_on?: string;
  review_every_months?: number;
}

/** An obligation's schedule in words. */
export function scheduleText(o: Pick<Schemas['ObligationOut'], 'kind' | 'schedule'>, i: I18n): string {
  const { t, l, lang } = i;
  const s = (o.schedule ?? null) as Schedule | null;
  const kind = l('obligation_kind', o.kind);
  if (!s) return `${kind} · ${t('obligation.no_deadline')}`;
  if (s.due_on) return `${kind} · ${t('schedule.due_on', { date: formatDate(s.due_on, lang) })}`;
  if (s.term) return `${kind} · ${t('schedule.term', { days: s.term.days, unit: l('term_unit', s.term.unit) })}`;
  if (s.rrule) return `${kind} · ${t('schedule.rrule', { rule: s.rrule, date: formatDate(s.starts_on, lang) })}`;
  if (s.review_every_months)
    return `${kind} · ${t('schedule.review', { months: s.review_every_months, date: formatDate(s.starts_on, lang) })}`;
  return kind;
}

export function EvidenceItem({ e }: { e: Schemas['EvidenceOut'] }) {
  const i = useI18n();
  const { t, lang } = i;
  const [error, setError] = useState<string | null>(null);
  return (
    <li class="evidence">
      <div>
        <p class="evidence-name">{e.filename}</p>
        <p class="meta">
          {formatBytes(e.size_bytes, lang)} · {formatDateTime(e.created_at, lang)} · <Actor actor={e.uploaded_by} />
        </p>
        {e.description && <p>{e.description}</p>}
        <p class="meta mono" title={e.sha256}>
          SHA-256 {e.sha256.slice(0, 16)}…
        </p>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <Button
        onClick={() =>
          downloadEvidence(e.id, e.filename).catch((err: unknown) => setError(errorMessage(err, i)))
        }
      >
        {t('evidence.download')}
        <span class="sr-only"> {e.filename}</span>
      </Button>
    </li>
  );
}

/** Who did something, as the audit trail names them: an e-mail for admins, a short id otherwise. */
export function Actor({ actor }: { actor?: string | null }) {
  const { t } = useI18n();
  const [names, setNames] = useState<Map<string, string> | null>(null);
  useEffect(() => {
    loadActors().then(setNames);
  }, []);
  if (!actor) return <span>—</span>;
  const known = names?.get(actor);
  if (known) return <span title={actor}>{known}</span>;
  const m = /^(user|partner):([0-9a-f]{8})/i.exec(actor);
  if (!m) return <span>{actor === 'system' ? t('actor.system') : actor}</span>;
  return (
    <span title={actor}>
      {t(m[1] === 'user' ? 'actor.staff' : 'actor.partner', { id: m[2] })}
    </span>
  );
}
