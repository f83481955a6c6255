// Dates and numbers through Intl, in the user's language (es-MX or en-US). Pure functions: tested.

export type Lang = 'es' | 'en';
export type Precision = 'day' | 'month' | 'year';
export interface DocumentaryDate {
  date: string;
  precision?: Precision;
}

/** Staff work in Mexico: timestamps are shown on Mexico City time. */
export const TIME_ZONE = 'America/Mexico_City';

export function localeOf(lang: Lang): string {
  return lang === 'en' ? 'en-US' : 'es-MX';
}

export function formatNumber(value: number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(localeOf(lang)).format(value);
}

export function formatPercent(fraction: number, lang: Lang): string {
  return new Intl.NumberFormat(localeOf(lang), { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** `YYYY-MM-DD` as its parts, or null when it is not such a date. */
export function parseIsoDate(iso: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { year, month, day };
}

// A calendar date is formatted at UTC noon in UTC, so that no time zone moves it to another day.
function calendarDate(iso: string): Date | null {
  const parts = parseIsoDate(iso);
  return parts ? new Date(Date.UTC(parts.year, parts.month - 1, parts.day, 12)) : null;
}

/** A plain date (`2023-08-01`): "1 de agosto de 2023" / "August 1, 2023"; `short`: "1 ago 2023". */
export function formatDate(iso: string | null | undefined, lang: Lang, style: 'long' | 'short' = 'long'): string {
  if (!iso) return '—';
  const date = calendarDate(iso);
  if (!date) return iso;
  return new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: 'UTC',
    day: 'numeric',
    month: style === 'long' ? 'long' : 'short',
    year: 'numeric',
  }).format(date);
}

/**
 * A documentary date at its precision, never inventing what the document does not say:
 * day → "1 de agosto de 2023", month → "agosto de 2023", year → "2023".
 */
export function formatDocumentaryDate(value: DocumentaryDate | null | undefined, lang: Lang): string {
  if (!value || !value.date) return '—';
  const precision = value.precision ?? 'day';
  const date = calendarDate(value.date);
  if (!date) return value.date;
  if (precision === 'year') return String(date.getUTCFullYear());
  if (precision === 'month') {
    return new Intl.DateTimeFormat(localeOf(lang), { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(date);
  }
  return formatDate(value.date, lang);
}

/** A timestamp (RFC 3339) on Mexico City time: "28 nov 2026, 05:26". */
export function formatDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: TIME_ZONE,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}

/** A timestamp's day on Mexico City time: "28 nov 2026". */
export function formatDay(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(lang), { timeZone: TIME_ZONE, day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}

/** A case's period: "2007–2018", or the single year. */
export function formatPeriod(start: number | null | undefined, end: number | null | undefined): string {
  if (start === null || start === undefined) return '—';
  if (end === null || end === undefined || end === start) return String(start);
  return `${start}–${end}`;
}

/** Whole days between two plain dates (b − a). */
export function daysBetween(a: string, b: string): number {
  const x = calendarDate(a);
  const y = calendarDate(b);
  if (!x || !y) return Number.NaN;
  return Math.round((y.getTime() - x.getTime()) / 86_400_000);
}

/** Today's date on Mexico City time, as `YYYY-MM-DD`. */
export function todayIso(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Bytes for people: "12 KB". */
export function formatBytes(bytes: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** The month's name and year, for calendar headings: "agosto de 2023". */
export function formatMonth(year: number, monthIndex: number, lang: Lang): string {
  return new Intl.DateTimeFormat(localeOf(lang), { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
    new Date(Date.UTC(year, monthIndex, 1, 12)),
  );
}

/** Narrow weekday names, Monday first: L M M J V S D / M T W T F S S. */
export function weekdayNames(lang: Lang, style: 'narrow' | 'short' = 'short'): string[] {
  const fmt = new Intl.DateTimeFormat(localeOf(lang), { timeZone: 'UTC', weekday: style });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => fmt.format(new Date(Date.UTC(2024, 0, 1 + i, 12))));
}

/** Upper-cases the first letter (Spanish month names come lower-case). */
export function capitalize(text: string): string {
  return text ? text[0].toLocaleUpperCase() + text.slice(1) : text;
}


/** Text cut at a word boundary to about `max` characters, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  if (text[max] === ' ') return `${cut.replace(/[\s,.;:]+$/, '')}…`;
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max * 0.6)).replace(/[\s,.;:]+$/, '')}…`;
}
