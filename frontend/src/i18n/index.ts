import { type Lang, localeOf } from '../format';
import { createStore, useStore } from '../store';
import { en } from './en';
import { es } from './es';

export type { Lang };
export type Key = keyof typeof es;
export type Params = Record<string, string | number>;
export type T = (key: Key, params?: Params) => string;

export const dictionaries: Record<Lang, Record<Key, string>> = { es, en };
const STORAGE_KEY = 'vigia.lang';

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'es' || saved === 'en') return saved;
  } catch {
    // storage refused (private mode): Spanish
  }
  return 'es';
}

export const langStore = createStore<Lang>(initialLang());

/** Switches the language and remembers the choice on this browser. */
export function setLang(lang: Lang): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  langStore.set(lang);
}

/** `{name}` placeholders are replaced by the parameters; numbers are formatted for the language. */
export function translate(lang: Lang, key: Key, params?: Params): string {
  const text = dictionaries[lang][key] ?? dictionaries.es[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? new Intl.NumberFormat(localeOf(lang)).format(value) : value;
  });
}

/** Singular or plural form: keys `base.one` and `base.other`. */
export function plural(lang: Lang, base: string, count: number, params: Params = {}): string {
  const rule = new Intl.PluralRules(localeOf(lang)).select(count) === 'one' ? 'one' : 'other';
  return translate(lang, `${base}.${rule}` as Key, { n: count, ...params });
}

/** The label of a value from one of the API's vocabularies (`legal_status.sentenced`, …). */
export function label(lang: Lang, group: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${group}.${value}` as Key;
  return key in dictionaries[lang] ? translate(lang, key) : String(value);
}

export interface I18n {
  lang: Lang;
  locale: string;
  t: T;
  n: (base: string, count: number, params?: Params) => string;
  l: (group: string, value: string | number | null | undefined) => string;
}

export function i18nFor(lang: Lang): I18n {
  return {
    lang,
    locale: localeOf(lang),
    t: (key, params) => translate(lang, key, params),
    n: (base, count, params) => plural(lang, base, count, params),
    l: (group, value) => label(lang, group, value),
  };
}

export function useI18n(): I18n {
  return i18nFor(useStore(langStore));
}
