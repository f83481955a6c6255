import { ApiError } from '../api/client';
import { type I18n, useI18n } from '../i18n';
import { createStore, useStore } from '../store';

/** The API's validation messages (pydantic's English) in the user's language, where we know them. */
export function localizeMessage(message: string, { t }: I18n): string {
  const m = message.replace(/^Value error, /, '');
  let x: RegExpExecArray | null;
  if (/^Field required$/i.test(m)) return t('validation.required');
  if (/^String should have at least 1 character/i.test(m)) return t('validation.not_empty');
  if ((x = /^String should have at most (\d+) character/i.exec(m))) return t('validation.max_length', { n: Number(x[1]) });
  if (/^Input should be a valid integer/i.test(m)) return t('validation.integer');
  if (/^Input should be a valid date/i.test(m)) return t('validation.date');
  if (/^Input should be a valid URL/i.test(m)) return t('validation.url');
  if ((x = /^Input should be greater than or equal to (-?\d+)/i.exec(m))) return t('validation.min', { n: Number(x[1]) });
  if ((x = /^Input should be less than or equal to (-?\d+)/i.exec(m))) return t('validation.max', { n: Number(x[1]) });
  if (/^Input should be /i.test(m)) return t('validation.choice');
  if (/^Extra inputs are not permitted/i.test(m)) return t('validation.extra');
  if (/^must not be before year_start/i.test(m)) return t('validation.before_year_start');
  if (/^must not be negative/i.test(m)) return t('validation.not_negative');
  if (/must not be in the future/i.test(m)) return t('validation.not_future');
  if (/^must be in the future/i.test(m)) return t('validation.future');
  if (/^no such /i.test(m)) return t('validation.no_such');
  if (/^already used/i.test(m)) return t('validation.already_used');
  if (/^already linked/i.test(m)) return t('validation.already_linked');
  if (/cannot be linked to itself/i.test(m)) return t('validation.self_link');
  if (/not a valid e-mail/i.test(m)) return t('validation.email');
  if ((x = /at least (\d+) characters/i.exec(m))) return t('validation.min_length', { n: Number(x[1]) });
  if (/are overdue: record each/i.test(m)) return t('validation.periods_overdue');
  return m;
}

/** Field errors from an API 422, localized and keyed by field path; the rest as a list. */
export function fieldErrorsOf(error: unknown, i: I18n, known: (field: string) => boolean) {
  const byField: Record<string, string> = {};
  const other: { field: string; message: string }[] = [];
  if (error instanceof ApiError) {
    for (const e of error.problem?.errors ?? []) {
      const field = e.field.replace(/^body\./, '');
      const message = localizeMessage(e.message, i);
      if (known(field)) byField[field] = byField[field] ? `${byField[field]} ${message}` : message;
      else other.push({ field, message });
    }
  }
  return { byField, other };
}

/** A one-time message shown at the top of the next page ("Saved."). */
export const flashStore = createStore<{ kind: 'success' | 'info'; text: string } | null>(null);

export function Flash() {
  const flash = useStore(flashStore);
  const { t } = useI18n();
  if (!flash) return null;
  return (
    <div class={`notice notice-${flash.kind} flash`} role="status">
      <p>{flash.text}</p>
      <button type="button" class="button button-link" onClick={() => flashStore.set(null)}>
        <span aria-hidden="true">×</span>
        <span class="sr-only">{t('common.close')}</span>
      </button>
    </div>
  );
}
