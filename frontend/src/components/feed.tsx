import { useState } from 'preact/hooks';
import { ApiError, authHeaders } from '../api/client';
import { useI18n } from '../i18n';
import { Button, ErrorNotice, Section, ShownOnce } from './ui';

/** Subscribing a calendar app to the deadlines: a personal feed URL, shown once. */
export function CalendarFeed() {
  const { t } = useI18n();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      // Not yet in the service's OpenAPI document (being built), so not in the generated types: called
      // directly, and its answer checked at run time. Move to `api.POST` once `make frontend-types` has it.
      const response = await fetch('/api/v1/calendar/feed-tokens', { method: 'POST', headers: authHeaders() });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body);
      const url = body && typeof body === 'object' && 'url' in body ? (body as Record<string, unknown>).url : null;
      if (typeof url !== 'string') throw new ApiError(response.status, null);
      setUrl(new URL(url, location.origin).toString());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t('feed.title')}>
      <p>{t('feed.intro')}</p>
      {error ? <ErrorNotice error={error} /> : null}
      {url ? (
        <>
          <ShownOnce label={t('feed.url')} value={url} warning={t('feed.shown_once')} />
          <p>
            <a href={url.replace(/^https?:/, 'webcal:')}>{t('feed.open_in_app')}</a>
          </p>
        </>
      ) : (
        <Button variant="primary" onClick={create} busy={busy}>
          {t('feed.create')}
        </Button>
      )}
      <p class="meta">{t('feed.privacy')}</p>
    </Section>
  );
}
