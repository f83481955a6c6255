import { describe, expect, it } from 'vitest';
import {
  capitalize,
  daysBetween,
  formatBytes,
  formatDate,
  formatDateTime,
  formatDocumentaryDate,
  formatMonth,
  formatNumber,
  formatPeriod,
  parseIsoDate,
  todayIso,
  weekdayNames,
} from '../src/format';

describe('documentary dates are shown at their precision, never inventing a day', () => {
  it('month precision', () => {
    expect(formatDocumentaryDate({ date: '2023-08-01', precision: 'month' }, 'es')).toBe('agosto de 2023');
    expect(formatDocumentaryDate({ date: '2023-08-01', precision: 'month' }, 'en')).toBe('August 2023');
  });
  it('year precision', () => {
    expect(formatDocumentaryDate({ date: '2021-01-01', precision: 'year' }, 'es')).toBe('2021');
    expect(formatDocumentaryDate({ date: '2021-01-01', precision: 'year' }, 'en')).toBe('2021');
  });
  it('day precision, and day when no precision is given', () => {
    expect(formatDocumentaryDate({ date: '2023-08-15', precision: 'day' }, 'es')).toBe('15 de agosto de 2023');
    expect(formatDocumentaryDate({ date: '2023-08-15', precision: 'day' }, 'en')).toBe('August 15, 2023');
    expect(formatDocumentaryDate({ date: '2024-07-01' }, 'es')).toBe('1 de julio de 2024');
  });
  it('no date', () => {
    expect(formatDocumentaryDate(null, 'es')).toBe('—');
    expect(formatDocumentaryDate(undefined, 'en')).toBe('—');
  });
  it('no time zone moves a date to the day before', () => {
    // The first of the month is the classic victim of parsing dates as UTC midnight.
    expect(formatDate('2023-01-01', 'es')).toBe('1 de enero de 2023');
    expect(formatDocumentaryDate({ date: '2023-01-01', precision: 'month' }, 'es')).toBe('enero de 2023');
  });
});

describe('plain dates and timestamps', () => {
  it('formats a date in each language', () => {
    expect(formatDate('2025-03-01', 'es')).toBe('1 de marzo de 2025');
    expect(formatDate('2025-03-01', 'en')).toBe('March 1, 2025');
    expect(formatDate('2025-03-01', 'es', 'short')).toMatch(/^1 mar\.? 2025$/);
    expect(formatDate(null, 'es')).toBe('—');
    expect(formatDate('not a date', 'es')).toBe('not a date');
  });
  it('shows timestamps on Mexico City time', () => {
    // 05:30 UTC is still the previous evening in Mexico City (UTC−6).
    expect(formatDateTime('2024-03-02T05:30:00Z', 'es')).toContain('1 mar');
    expect(formatDateTime('2024-03-02T05:30:00Z', 'en')).toContain('Mar 1, 2024');
  });
  it("today's date in Mexico City", () => {
    expect(todayIso(new Date('2024-03-02T05:30:00Z'))).toBe('2024-03-01');
    expect(todayIso(new Date('2024-03-02T07:00:00Z'))).toBe('2024-03-02');
  });
  it('parses and subtracts dates', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate('2024-13-01')).toBeNull();
    expect(daysBetween('2023-08-01', '2024-08-01')).toBe(366);
  });
  it('months and weekdays for the calendar', () => {
    expect(formatMonth(2023, 7, 'es')).toBe('agosto de 2023');
    expect(capitalize(formatMonth(2023, 7, 'es'))).toBe('Agosto de 2023');
    expect(formatMonth(2023, 7, 'en')).toBe('August 2023');
    expect(weekdayNames('en')).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(weekdayNames('es')).toHaveLength(7);
    expect(weekdayNames('es')[0]).toMatch(/^lun/);
  });
});

describe('numbers', () => {
  it('groups digits per language', () => {
    expect(formatNumber(12345, 'es')).toBe('12,345');
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(null, 'es')).toBe('—');
  });
  it('periods of years', () => {
    expect(formatPeriod(2007, 2018)).toBe('2007–2018');
    expect(formatPeriod(2014, null)).toBe('2014');
    expect(formatPeriod(2014, 2014)).toBe('2014');
  });
  it('file sizes', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 KB');
    expect(formatBytes(1536, 'es')).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024, 'es')).toBe('5 MB');
  });
});

describe('short texts', async () => {
  const { truncate, formatDay } = await import('../src/format');
  it('cuts at a word boundary', () => {
    expect(truncate('corto', 10)).toBe('corto');
    expect(truncate('Instituir una política pública de espacios escolares seguros', 30)).toBe('Instituir una política pública…');
  });
  it("a timestamp's day in Mexico City", () => {
    expect(formatDay('2024-03-02T05:30:00Z', 'en')).toBe('Mar 1, 2024');
  });
});
