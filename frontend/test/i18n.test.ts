import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { es } from '../src/i18n/es';
import { label, plural, translate } from '../src/i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n completeness', () => {
  it('every Spanish key exists in English', () => {
    const missing = Object.keys(es).filter((k) => !(k in en));
    expect(missing).toEqual([]);
  });
  it('every English key exists in Spanish', () => {
    const extra = Object.keys(en).filter((k) => !(k in es));
    expect(extra).toEqual([]);
  });
  it('no text is empty, and both languages use the same placeholders', () => {
    for (const key of Object.keys(es) as (keyof typeof es)[]) {
      expect(es[key].trim(), `es ${key}`).not.toBe('');
      expect(en[key].trim(), `en ${key}`).not.toBe('');
      expect(placeholders(en[key]), key).toEqual(placeholders(es[key]));
    }
  });
  it('every plural has its singular and its plural form', () => {
    for (const dict of [es, en]) {
      const bases = new Set(Object.keys(dict).filter((k) => /^count\..*\.(one|other)$/.test(k)).map((k) => k.replace(/\.(one|other)$/, '')));
      for (const base of bases) {
        expect(`${base}.one` in dict, base).toBe(true);
        expect(`${base}.other` in dict, base).toBe(true);
      }
    }
  });
  it('every value of the API vocabularies has a label', async () => {
    const schema = await import('node:fs').then((fs) => fs.readFileSync(new URL('../src/api/schema.d.ts', import.meta.url), 'utf8'));
    const enumOf = (name: string) => {
      const m = new RegExp(`\\b${name}: ((?:"[^"]+"(?: \\| )?)+);`).exec(schema);
      return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : [];
    };
    const groups: Record<string, string> = {
      LegalStatus: 'legal_status',
      Pattern: 'pattern',
      Sector: 'sector',
      SchoolLevel: 'level',
      InstitutionKind: 'institution_kind',
      SourceKind: 'source_kind',
      LinkReason: 'link_reason',
      Visibility: 'visibility',
      ComplianceStatus: 'compliance',
      Role: 'role',
      ObligationKind: 'obligation_kind',
      Scope: 'scope',
      ReasonKind: 'reason',
      NodeKind: 'node_kind',
      EdgeKind: 'edge_kind',
    };
    for (const [schemaName, group] of Object.entries(groups)) {
      const values = enumOf(schemaName);
      expect(values.length, schemaName).toBeGreaterThan(0);
      for (const v of values) expect(`${group}.${v}` in es, `${group}.${v}`).toBe(true);
    }
  });
});

describe('translate', () => {
  it('fills placeholders and formats numbers for the language', () => {
    expect(translate('es', 'court_orders.complied_of', { complied: 0, total: 6 })).toBe('0 de 6 obligaciones cumplidas');
    expect(translate('en', 'court_orders.complied_of', { complied: 0, total: 6 })).toBe('0 of 6 obligations complied with');
    expect(translate('en', 'cases.showing', { shown: 50, total: 1200 })).toBe('Showing 50 of 1,200 cases');
  });
  it('chooses singular or plural', () => {
    expect(plural('es', 'count.cases', 1)).toBe('1 caso');
    expect(plural('es', 'count.cases', 27)).toBe('27 casos');
    expect(plural('en', 'count.days_late', 1)).toBe('1 day late');
    expect(plural('en', 'count.days_late', 0)).toBe('0 days late');
    // The public compliance clock: "0 de 6 cumplidas · 1,215 días desde la notificación".
    expect(translate('es', 'public.clock', { complied: 0, total: 6 })).toBe('0 de 6 cumplidas');
    expect(plural('es', 'count.days_since', 1215)).toBe('1,215 días desde la notificación');
    expect(plural('en', 'count.days_since', 1)).toBe('1 day since notification');
  });
  it('labels vocabulary values, and leaves unknown ones as they are', () => {
    expect(label('es', 'compliance', 'partial')).toBe('Cumplimiento parcial');
    expect(label('en', 'legal_status', 'sentenced')).toBe('Sentenced');
    expect(label('es', 'legal_status', 'something_new')).toBe('something_new');
    expect(label('es', 'sector', null)).toBe('—');
  });
});
