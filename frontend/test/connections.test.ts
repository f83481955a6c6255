import { describe, expect, it } from 'vitest';
import { NO_WAVE_COLOR, WAVE_PALETTE, timelineRows, waveColor, wavesOf, yearDomain, yearTicks } from '../src/connections/timeline';

const kase = (id: string, year_start: number, year_end: number | null, report_wave: number | null, report_number: number | null = null) => ({
  id,
  title: `Caso ${id}`,
  year_start,
  year_end,
  report_wave,
  report_number,
});

describe('timeline rows', () => {
  it('orders by start, then end, then report number, and keeps each period inclusive', () => {
    const rows = timelineRows([kase('c', 2016, 2016, 2, 9), kase('a', 2007, 2018, 1, 15), kase('b', 2016, 2016, 1, 1), kase('d', 2006, 2006, null)]);
    expect(rows.map((r) => r.id)).toEqual(['d', 'a', 'b', 'c']);
    expect(rows[1]).toEqual({ id: 'a', title: 'Caso a', start: 2007, end: 2018, open: false, wave: 1 });
  });
  it('an open period (no end year) is drawn over its start year and marked open', () => {
    const [row] = timelineRows([kase('x', 2019, null, 3)]);
    expect(row).toMatchObject({ start: 2019, end: 2019, open: true, wave: 3 });
  });
  it('an end before the start is not drawn backwards', () => {
    const [row] = timelineRows([kase('x', 2019, 2015, 1)]);
    expect(row).toMatchObject({ start: 2019, end: 2019, open: false });
  });
  it('the year domain covers every period; waves are listed in order with "none" last', () => {
    const rows = timelineRows([kase('a', 2007, 2018, 2), kase('b', 2001, 2001, null), kase('c', 2023, null, 1)]);
    expect(yearDomain(rows)).toEqual([2001, 2023]);
    expect(wavesOf(rows)).toEqual([1, 2, null]);
    expect(yearDomain([])).toEqual([0, 0]);
  });
  it('a wave keeps its colour whatever else is shown; no wave is grey', () => {
    expect(waveColor(1)).toBe(WAVE_PALETTE[0]);
    expect(waveColor(4)).toBe(WAVE_PALETTE[3]);
    expect(waveColor(null)).toBe(NO_WAVE_COLOR);
    expect(new Set([1, 2, 3, 4].map(waveColor)).size).toBe(4);
  });
  it('year ticks thin out when years are narrow', () => {
    expect(yearTicks([2001, 2005], 50)).toEqual([2001, 2002, 2003, 2004, 2005]);
    expect(yearTicks([2001, 2023], 20)).toEqual([2002, 2004, 2006, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022]);
    expect(yearTicks([2001, 2023], 8)).toEqual([2005, 2010, 2015, 2020]);
  });
});
