import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { Footer, LanguageSwitch } from '../components/chrome';
import { errorMessage, useTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { login, loginNotice } from '../session';
import { useStore } from '../store';

export function Login() {
  const i = useI18n();
  const { t } = i;
  const notice = useStore(loginNotice);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  useTitle(t('login.title'));
  useEffect(() => emailRef.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        const locked = /locked/i.test(e.problem?.detail ?? '');
        setError(locked ? t('login.locked') : t('login.wrong'));
      } else setError(errorMessage(e, i));
      setBusy(false);
    }
  };

  return (
    <div class="login-page">
      <div class="login-lang">
        <LanguageSwitch />
      </div>
      <main id="main" class="login-main">
        <div class="login-card">
          <p class="login-brand">
            <span class="brand-mark" aria-hidden="true">
              V
            </span>{' '}
            Vigía
          </p>
          <h1>{t('login.title')}</h1>
          <p class="subtitle">{t('login.intro')}</p>
          {notice === 'expired' && (
            <div class="notice notice-warning" role="status">
              {t('login.expired')}
            </div>
          )}
          {notice === 'logged_out' && (
            <div class="notice notice-info" role="status">
              {t('login.logged_out')}
            </div>
          )}
          {error && (
            <div class="notice notice-error" role="alert">
              {error}
            </div>
          )}
          <form onSubmit={submit} noValidate={false}>
            <div class="field">
              <label for="login-email">{t('login.email')}</label>
              <input
                id="login-email"
                ref={emailRef}
                type="email"
                name="username"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="login-password">{t('login.password')}</label>
              <input
                id="login-password"
                type="password"
                name="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="button button-primary button-block" disabled={busy} aria-busy={busy}>
              {busy ? t('login.submitting') : t('login.submit')}
            </button>
          </form>
          <p class="login-public">
            <Link href="/publico">{t('login.public_link')}</Link>
          </p>
        </div>
      </main>
      <Footer />
    </div>
  );
}
