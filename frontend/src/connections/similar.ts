// Why a case resembles another, in the dashboard's words: each reason's kind gets a localized label and
// its codes (patterns, states, years, record ids) the dashboard's own names and links. No I/O.
import type { Schemas } from '../api/client';
import { formatPeriod } from '../format';
import type { I18n, Key } from '../i18n';

export type SimilarityReason = Schemas['SimilarityReason'];
export type ReasonKind = Schemas['ReasonKind'];

export interface ReasonValue {
  text: string;
  href?: string;
}

export interface ReasonView {
  kind: string;
  label: string;
  values: ReasonValue[];
  weight: number;
  /** The service's own sentence (in Spanish: the page shows it as a tooltip in Spanish only). */
  detail: string;
}

/** Names the dashboard already holds; null when it does not know the record. */
export interface Names {
  state: (code: string) => string;
  institution: (id: string) => string | null;
  proceeding: (id: string) => string | null;
}

/** "2018-2019" → "2018–2019"; "2018-2018" → "2018". */
export function formatYears(value: string): string {
  const m = /^(\d{4})-(\d{4})$/.exec(value);
  return m ? formatPeriod(Number(m[1]), Number(m[2])) : value;
}

export function describeReason(reason: SimilarityReason, i18n: I18n, names: Names): ReasonView {
  const { l, t } = i18n;
  const key = `reason.${reason.kind}` as Key;
  const known = t(key) !== key;
  const values: ReasonValue[] = reason.values.map((v): ReasonValue => {
    switch (reason.kind) {
      case 'pattern':
        return { text: l('pattern', v), href: `/cases?pattern=${encodeURIComponent(v)}` };
      case 'period':
        return { text: formatYears(v) };
      case 'same_state':
      case 'neighbouring_state':
        return { text: names.state(v) };
      case 'sector':
        return { text: l('sector', v) };
      case 'level':
        return { text: l('level', v) };
      case 'authority':
        return { text: names.institution(v) ?? t('node_kind.institution'), href: `/institutions/${encodeURIComponent(v)}` };
      case 'proceeding':
        return { text: names.proceeding(v) ?? t('node_kind.proceeding'), href: `/investigations/${encodeURIComponent(v)}` };
      default:
        return { text: v };
    }
  });
  return { kind: reason.kind, label: known ? t(key) : reason.detail, values, weight: reason.weight, detail: reason.detail };
}

/** A score or weight as the language writes it, with at most two decimals. */
export function formatScore(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(value);
}
