// The timeline of cases as plain data: one row per case, its period in whole years, its report wave.
// No I/O and no rendering here, so that the rules are tested directly (test/connections.test.ts).

/** What the timeline needs of a case (the cases list's items have it). */
export interface PeriodCase {
  id: string;
  title: string;
  year_start: number;
  year_end: number | null;
  report_wave: number | null;
  report_number?: number | null;
}

export interface TimelineRow {
  id: string;
  title: string;
  /** First year of the period. */
  start: number;
  /** Last year of the period (inclusive); the start year when the end is not recorded. */
  end: number;
  /** No end year recorded: the API documents that as a one-year period, drawn over its start year. */
  open: boolean;
  wave: number | null;
}

/** Rows ordered by when the period began, then when it ended, then the report's number, then title. */
export function timelineRows(cases: readonly PeriodCase[]): TimelineRow[] {
  const rows = cases.map((c) => {
    const open = c.year_end === null || c.year_end === undefined;
    return {
      row: {
        id: c.id,
        title: c.title,
        start: c.year_start,
        // A recorded end before the start is a data error: drawn as a single year rather than backwards.
        end: open ? c.year_start : Math.max(c.year_start, c.year_end as number),
        open,
        wave: c.report_wave ?? null,
      },
      number: c.report_number ?? Number.POSITIVE_INFINITY,
    };
  });
  rows.sort(
    (a, b) =>
      a.row.start - b.row.start ||
      a.row.end - b.row.end ||
      a.number - b.number ||
      a.row.title.localeCompare(b.row.title, 'es') ||
      a.row.id.localeCompare(b.row.id),
  );
  return rows.map((r) => r.row);
}

/** The years the axis covers: every row's period, whole years, at least one. */
export function yearDomain(rows: readonly TimelineRow[]): [number, number] {
  if (!rows.length) return [0, 0];
  return [Math.min(...rows.map((r) => r.start)), Math.max(...rows.map((r) => r.end))];
}

/** The report waves present, in order, with "no wave" (null) last. */
export function wavesOf(rows: readonly TimelineRow[]): (number | null)[] {
  const known = [...new Set(rows.map((r) => r.wave).filter((w): w is number => w !== null))].sort((a, b) => a - b);
  return rows.some((r) => r.wave === null) ? [...known, null] : known;
}

// Observable's categorical palette (distinct for the colour-blind in its first four), then greys.
export const WAVE_PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e'];
export const NO_WAVE_COLOR = '#9498a0';

/** A wave's colour: by the wave's number, so that the same wave keeps its colour whatever is shown. */
export function waveColor(wave: number | null): string {
  if (wave === null || wave < 1) return NO_WAVE_COLOR;
  return WAVE_PALETTE[(wave - 1) % WAVE_PALETTE.length];
}

/** Ticks for the year axis: every year when there is room, else every 2nd, 5th or 10th. */
export function yearTicks([from, to]: [number, number], widthPerYear: number): number[] {
  const step = [1, 2, 5, 10].find((s) => widthPerYear * s >= 34) ?? 10;
  const ticks: number[] = [];
  for (let y = Math.ceil(from / step) * step; y <= to; y += step) ticks.push(y);
  return ticks;
}
