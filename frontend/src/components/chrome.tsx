import { type Lang, setLang, useI18n } from '../i18n';

export function LanguageSwitch() {
  const { lang, t } = useI18n();
  const choose = (l: Lang) => setLang(l);
  return (
    <div class="lang-switch" role="group" aria-label={t('lang.label')}>
      <button type="button" lang="es" aria-pressed={lang === 'es'} onClick={() => choose('es')}>
        Español
      </button>
      <button type="button" lang="en" aria-pressed={lang === 'en'} onClick={() => choose('en')}>
        English
      </button>
    </div>
  );
}

export function Footer() {
  const { t } = useI18n();
  return (
    <footer class="footer">
      <p>{t('footer.about')}</p>
      <p>
        {t('footer.map_credit_before')}{' '}
        <a href="https://github.com/VictorCazanave/svg-maps/tree/master/packages/mexico" rel="noreferrer">
          @svg-maps/mexico
        </a>{' '}
        {t('footer.map_credit_author')}{' '}
        <a href="https://creativecommons.org/licenses/by/4.0/" rel="license noreferrer">
          CC BY 4.0
        </a>
        . {t('footer.data_credit')}
      </p>
    </footer>
  );
}
