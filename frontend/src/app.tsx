import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNotice, Loading } from './components/ui';
import { Footer, LanguageSwitch } from './components/chrome';
import { Flash, flashStore } from './components/forms';
import { useI18n } from './i18n';
import { Login } from './pages/Login';
import { Link, matchPath, navigate, useLocation } from './router';
import { isAdmin, logout, sessionStore } from './session';
import { useStore } from './store';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

type PageModule = { default: ComponentType<PageProps> };
type Loader = () => Promise<PageModule>;

// Every screen but the login is its own chunk, loaded on first visit: the login page stays small.
const overview: Loader = () => import('./pages/Overview');
const cases: Loader = () => import('./pages/Cases');
const caseDetail: Loader = () => import('./pages/CaseDetail');
const caseForm: Loader = () => import('./pages/CaseForm');
const institutions: Loader = () => import('./pages/Institutions');
const institutionDetail: Loader = () => import('./pages/InstitutionDetail');
const courtOrders: Loader = () => import('./pages/CourtOrders');
const courtOrderDetail: Loader = () => import('./pages/CourtOrderDetail');
const obligationDetail: Loader = () => import('./pages/ObligationDetail');
const calendar: Loader = () => import('./pages/Calendar');
const investigations: Loader = () => import('./pages/Investigations');
const proceedingDetail: Loader = () => import('./pages/ProceedingDetail');
const admin: Loader = () => import('./pages/Admin');
const publicPage: Loader = () => import('./pages/Public');
const timeline: Loader = () => import('./pages/Timeline');
const network: Loader = () => import('./pages/Network');

/** Pages anyone may see, logged in or not. */
const PUBLIC_PATHS = new Set(['/publico']);

const ROUTES: [string, Loader][] = [
  ['/', overview],
  ['/cases', cases],
  ['/cases/new', caseForm],
  ['/cases/:id', caseDetail],
  ['/cases/:id/edit', caseForm],
  ['/institutions', institutions],
  ['/institutions/:id', institutionDetail],
  ['/court-orders', courtOrders],
  ['/court-orders/calendar', calendar],
  ['/court-orders/:id', courtOrderDetail],
  ['/obligations/:id', obligationDetail],
  ['/investigations', investigations],
  ['/investigations/:id', proceedingDetail],
  ['/linea-de-tiempo', timeline],
  ['/red', network],
  ['/admin', admin],
  ['/admin/:tab', admin],
  ['/admin/:tab/:id', admin],
];

const loaded = new Map<Loader, PageModule>();

function resolve(path: string): { loader: Loader; params: Record<string, string> } | null {
  for (const [pattern, loader] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return { loader, params };
  }
  return null;
}

function Page({ loader, params, query }: { loader: Loader } & PageProps) {
  const [module, setModule] = useState<PageModule | undefined>(loaded.get(loader));
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (loaded.has(loader)) {
      setModule(loaded.get(loader));
      return;
    }
    setModule(undefined);
    loader().then(
      (m) => {
        loaded.set(loader, m);
        setModule(m);
      },
      (e) => setError(e),
    );
  }, [loader]);
  if (error) return <ErrorNotice error={error} />;
  if (!module) return <Loading />;
  const Component = module.default;
  return <Component params={params} query={query} />;
}

export function App() {
  const session = useStore(sessionStore);
  const location = useLocation();
  const { t } = useI18n();

  useEffect(() => {
    if (PUBLIC_PATHS.has(location.path)) return;
    if (!session && location.path !== '/login') {
      const next = location.href === '/' ? '' : `?next=${encodeURIComponent(location.href)}`;
      navigate(`/login${next}`, { replace: true });
    }
    if (session && location.path === '/login') {
      const next = location.query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    }
  }, [session, location.href]);

  if (PUBLIC_PATHS.has(location.path)) {
    return (
      <PublicShell>
        <Page key={location.path} loader={publicPage} params={{}} query={location.query} />
      </PublicShell>
    );
  }
  if (!session || location.path === '/login') return <Login />;

  const route = resolve(location.path);
  return (
    <Shell path={location.path}>
      {route ? (
        <Page key={location.path} loader={route.loader} params={route.params} query={location.query} />
      ) : (
        <div>
          <h1 tabIndex={-1}>{t('error.page_not_found_title')}</h1>
          <p>{t('error.page_not_found')}</p>
          <p>
            <Link href="/">{t('nav.overview')}</Link>
          </p>
        </div>
      )}
    </Shell>
  );
}

/** The frame of the public page: no navigation, the language switch, and the way in for staff. */
function PublicShell({ children }: { children: preact.ComponentChildren }) {
  const { t } = useI18n();
  const session = useStore(sessionStore);
  return (
    <>
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link href="/publico" class="brand" aria-label={t('public.title')}>
            <span class="brand-mark" aria-hidden="true">
              V
            </span>
            <span class="brand-text">
              <span class="brand-name">Vigía</span>
              <span class="brand-tagline">{t('brand.tagline')}</span>
            </span>
          </Link>
          <div class="topbar-tools">
            <LanguageSwitch />
            <Link href={session ? '/' : '/login'} class="button button-ghost">
              {session ? t('public.to_dashboard') : t('public.staff_login')}
            </Link>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <Footer />
    </>
  );
}

function Shell({ path, children }: { path: string; children: preact.ComponentChildren }) {
  const { t, l } = useI18n();
  const session = useStore(sessionStore);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const [busy, setBusy] = useState(false);
  const flash = useStore(flashStore);
  const flashedAt = useRef<string | null>(null);

  // A flash message is shown on the page it was set for, and gone from the next one.
  useEffect(() => {
    if (!flash) flashedAt.current = null;
    else if (flashedAt.current === null) flashedAt.current = path;
    else if (flashedAt.current !== path) flashStore.set(null);
  }, [path, flash]);

  // After navigating, move focus to the new page so that screen readers start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [path]);

  const nav: [string, string][] = [
    ['/', t('nav.overview')],
    ['/cases', t('nav.cases')],
    ['/institutions', t('nav.institutions')],
    ['/court-orders', t('nav.court_orders')],
    ['/investigations', t('nav.investigations')],
    ['/linea-de-tiempo', t('nav.timeline')],
    ['/red', t('nav.network')],
  ];
  if (isAdmin(session)) nav.push(['/admin', t('nav.admin')]);
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  const section = (href: string) => (href === '/court-orders' && path.startsWith('/obligations/')) || current(href);

  return (
    <>
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link href="/" class="brand" aria-label={t('brand.home')}>
            <span class="brand-mark" aria-hidden="true">
              V
            </span>
            <span class="brand-text">
              <span class="brand-name">Vigía</span>
              <span class="brand-tagline">{t('brand.tagline')}</span>
            </span>
          </Link>
          <div class="topbar-tools">
            <LanguageSwitch />
            <div class="user">
              <span class="user-email">{session?.email}</span>
              {session?.role && <span class="user-role">{l('role', session.role)}</span>}
            </div>
            <button
              type="button"
              class="button button-ghost"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                await logout();
                setBusy(false);
              }}
            >
              {t('nav.logout')}
            </button>
          </div>
        </div>
        <nav class="mainnav" aria-label={t('nav.label')}>
          <ul>
            {nav.map(([href, text]) => (
              <li key={href}>
                <Link href={href} aria-current={section(href) ? 'page' : undefined}>
                  {text}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Flash />
        {children}
      </main>
      <Footer />
    </>
  );
}
