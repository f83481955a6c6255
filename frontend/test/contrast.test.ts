import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// WCAG 2.x contrast of the text colour pairs the stylesheet uses: AA asks 4.5:1 for normal text.
const css = readFileSync(new URL('../src/styles.css', import.meta.url), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1], m[2]]));
const colour = (c: string) => (c.startsWith('#') ? c : vars[c]);

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (v: number) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(colour(a)), luminance(colour(b))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

const PAIRS: [string, string, string][] = [
  ['body text', 'ink', 'surface'],
  ['body text on the page', 'ink', 'bg'],
  ['secondary text', 'muted', 'surface'],
  ['secondary text on the page', 'muted', 'bg'],
  ['table headings', 'muted', '#f8f9fb'],
  ['links', 'link', 'surface'],
  ['links on the page', 'link', 'bg'],
  ['primary buttons', '#ffffff', 'primary'],
  ['header tagline', '#d5dfea', 'primary'],
  ['badge: pending', 'pending', 'pending-bg'],
  ['badge: partial', 'partial', 'partial-bg'],
  ['badge: complied', 'complied', 'complied-bg'],
  ['badge: disputed', 'disputed', 'disputed-bg'],
  ['badge: overdue', 'overdue', 'overdue-bg'],
  ['field errors', 'overdue', 'surface'],
  ['warning notices', '#4d3000', 'partial-bg'],
  ['error notices', '#5e1a10', 'overdue-bg'],
  ['success notices', '#143f24', 'complied-bg'],
  ['info notices', 'ink', 'info-bg'],
  ['chips', 'primary', 'info-bg'],
  ['today in the calendar', 'primary', 'info-bg'],
];

describe('colour contrast (WCAG AA)', () => {
  it('knows the palette', () => {
    for (const name of ['ink', 'muted', 'surface', 'bg', 'primary', 'link', 'overdue', 'overdue-bg']) expect(vars[name], name).toBeTruthy();
  });
  for (const [what, fg, bg] of PAIRS) {
    it(`${what}: ${fg} on ${bg} is at least 4.5:1`, () => {
      expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }
});
