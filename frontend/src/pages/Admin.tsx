import { useEffect, useState } from 'preact/hooks';
import { allPages, api, must, type Schemas } from '../api/client';
import type { PageProps } from '../app';
import { Actor } from '../components/domain';
import { fieldErrorsOf } from '../components/forms';
import {
  Badge,
  Button,
  CheckboxGroup,
  Empty,
  ErrorNotice,
  Facts,
  Loading,
  Notice,
  PageHeader,
  Section,
  SelectField,
  ShownOnce,
  Tabs,
  TextField,
  useAsync,
} from '../components/ui';
import { ROLES } from '../data';
import { formatDateTime } from '../format';
import { useI18n } from '../i18n';
import { Link, queryString } from '../router';
import { isAdmin, sessionStore } from '../session';
import { useStore } from '../store';

const version = (v: number) => `"${v}"`;

export default function Admin({ params, query }: PageProps) {
  const { t } = useI18n();
  const session = useStore(sessionStore);
  const tab = params.tab ?? 'users';
  const tabs = [
    { href: '/admin/users', label: t('admin.users') },
    { href: '/admin/partners', label: t('admin.partners') },
    { href: '/admin/webhooks', label: t('admin.webhooks') },
    { href: '/admin/audit', label: t('admin.audit') },
  ];
  // Whoever is not known to be an admin sees what the service answers them (a 403, explained), and no
  // controls; should the service allow them after all (a role changed meanwhile), the sections appear.
  const probe = useAsync(
    () => (isAdmin(session) ? Promise.resolve(true) : api.GET('/api/v1/users', { params: { query: { limit: 1 } } }).then(must).then(() => true)),
    [session?.token, session?.role],
  );
  if (!probe.data) {
    return (
      <>
        <PageHeader title={t('admin.title')} subtitle={t('admin.subtitle')} />
        {probe.error ? <ErrorNotice error={probe.error} /> : <Loading />}
      </>
    );
  }
  return (
    <>
      <PageHeader title={t('admin.title')} subtitle={t('admin.subtitle')} />
      <Tabs label={t('admin.sections')} current={`/admin/${tab}`} items={tabs} />
      {tab === 'users' && <Users />}
      {tab === 'partners' && !params.id && <Partners />}
      {tab === 'partners' && params.id && <PartnerKeys id={params.id} />}
      {tab === 'webhooks' && <Webhooks />}
      {tab === 'audit' && <Audit query={query} />}
    </>
  );
}

// ---- users --------------------------------------------------------------------------------

function Users() {
  const i = useI18n();
  const { t, l, lang } = i;
  const users = useAsync(() => allPages((cursor) => api.GET('/api/v1/users', { params: { query: { limit: 200, cursor } } }).then(must)), []);
  const [creating, setCreating] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  const update = async (u: Schemas['UserOut'], body: Schemas['UserUpdate']) => {
    setActionError(null);
    try {
      must(await api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: u.id }, header: { 'if-match': version(u.version) } }, body }));
      users.reload();
    } catch (e) {
      setActionError(e);
      users.reload();
    }
  };
  const unlock = async (u: Schemas['UserOut']) => {
    try {
      must(await api.POST('/api/v1/users/{user_id}/unlock', { params: { path: { user_id: u.id } } }));
      users.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <Section title={t('admin.users')} actions={!creating ? <Button variant="primary" onClick={() => setCreating(true)}>{t('users.new')}</Button> : undefined}>
      {creating && <NewUser onDone={(saved) => { setCreating(false); if (saved) users.reload(); }} />}
      {actionError ? <ErrorNotice error={actionError} /> : null}
      {users.error ? (
        <ErrorNotice error={users.error} />
      ) : !users.data ? (
        <Loading />
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="users-table">
            <caption class="sr-only">{t('admin.users')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('users.email')}</th>
                <th scope="col">{t('users.full_name')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.state')}</th>
                <th scope="col">{t('users.last_login')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id}>
                  <th scope="row">{u.email}</th>
                  <td>{u.full_name ?? '—'}</td>
                  <td>
                    <label class="sr-only" for={`role-${u.id}`}>
                      {t('users.role_of', { email: u.email })}
                    </label>
                    <select id={`role-${u.id}`} value={u.role} onChange={(e) => {
                        const role = e.currentTarget.value as Schemas['Role'];
                        if (confirm(t('users.confirm_role', { email: u.email, role: l('role', role) }))) update(u, { role });
                        else e.currentTarget.value = u.role;
                      }}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {l('role', r)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {u.is_active ? <Badge tone="complied">{t('users.active')}</Badge> : <Badge>{t('users.inactive')}</Badge>}
                    {u.locked_until && new Date(u.locked_until) > new Date() && <Badge tone="overdue">{t('users.locked')}</Badge>}
                  </td>
                  <td class="nowrap meta">{formatDateTime(u.last_login_at, lang)}</td>
                  <td class="actions">
                    <Button variant="link" onClick={() => update(u, { is_active: !u.is_active })}>
                      {u.is_active ? t('users.deactivate') : t('users.activate')}
                      <span class="sr-only"> {u.email}</span>
                    </Button>
                    {u.locked_until && (
                      <Button variant="link" onClick={() => unlock(u)}>
                        {t('users.unlock')}
                        <span class="sr-only"> {u.email}</span>
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function NewUser({ onDone }: { onDone: (saved: boolean) => void }) {
  const i = useI18n();
  const { t, l } = i;
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [role, setRole] = useState<Schemas['Role']>('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { byField, other } = fieldErrorsOf(error, i, (f) => ['email', 'full_name', 'role', 'password'].includes(f));
  return (
    <form
      class="inline-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          must(await api.POST('/api/v1/users', { body: { email: email.trim(), full_name: fullName.trim() || null, role, password } }));
          onDone(true);
        } catch (err) {
          setError(err);
          setBusy(false);
        }
      }}
    >
      {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
      {other.length > 0 && <Notice kind="error">{other.map((o) => o.message).join(' ')}</Notice>}
      <div class="form-grid">
        <TextField label={t('users.email')} name="email" type="email" required autocomplete="off" value={email} onInput={setEmail} error={byField.email} />
        <TextField label={t('users.full_name')} name="full_name" value={fullName} onInput={setFullName} error={byField.full_name} />
        <SelectField label={t('users.role')} name="role" value={role} options={ROLES.map((r) => ({ value: r, label: l('role', r) }))} onChange={(v) => setRole(v as Schemas['Role'])} error={byField.role} hint={t(`role_hint.${role}` as never)} />
        <TextField label={t('users.password')} name="password" type="password" autocomplete="new-password" required value={password} onInput={setPassword} error={byField.password} hint={t('users.password_hint')} />
      </div>
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {t('users.create')}
        </button>
        <Button variant="link" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </Button>
      </div>
    </form>
  );
}

// ---- partners and their API keys ----------------------------------------------------------

function Partners() {
  const i = useI18n();
  const { t, lang } = i;
  const partners = useAsync(() => allPages((cursor) => api.GET('/api/v1/partners', { params: { query: { limit: 200, cursor } } }).then(must)), []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [contact, setContact] = useState('');
  const [error, setError] = useState<unknown>(null);
  const { byField } = fieldErrorsOf(error, i, (f) => ['name', 'contact_email', 'notes'].includes(f));

  return (
    <Section title={t('admin.partners')} actions={!creating ? <Button variant="primary" onClick={() => setCreating(true)}>{t('partners.new')}</Button> : undefined}>
      <p class="card-intro">{t('partners.intro')}</p>
      {creating && (
        <form
          class="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              must(await api.POST('/api/v1/partners', { body: { name: name.trim(), contact_email: contact.trim() || null } }));
              setCreating(false);
              setName('');
              setContact('');
              partners.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
          <div class="form-grid">
            <TextField label={t('partners.name')} name="name" required value={name} onInput={setName} error={byField.name} />
            <TextField label={t('partners.contact_email')} name="contact_email" type="email" value={contact} onInput={setContact} error={byField.contact_email} />
          </div>
          <div class="form-actions">
            <button type="submit" class="button button-primary">
              {t('partners.create')}
            </button>
            <Button variant="link" onClick={() => setCreating(false)}>
              {t('common.cancel')}
            </Button>
          </div>
        </form>
      )}
      {partners.error ? (
        <ErrorNotice error={partners.error} />
      ) : !partners.data ? (
        <Loading />
      ) : partners.data.length === 0 ? (
        <Empty>{t('partners.none')}</Empty>
      ) : (
        <table class="table">
          <caption class="sr-only">{t('admin.partners')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('partners.name')}</th>
              <th scope="col">{t('partners.contact_email')}</th>
              <th scope="col">{t('users.state')}</th>
              <th scope="col">{t('common.created')}</th>
            </tr>
          </thead>
          <tbody>
            {partners.data.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <Link href={`/admin/partners/${p.id}`}>{p.name}</Link>
                </th>
                <td>{p.contact_email ?? '—'}</td>
                <td>{p.is_active ? <Badge tone="complied">{t('users.active')}</Badge> : <Badge>{t('users.inactive')}</Badge>}</td>
                <td class="meta nowrap">{formatDateTime(p.created_at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function PartnerKeys({ id }: { id: string }) {
  const i = useI18n();
  const { t, lang } = i;
  const data = useAsync(async () => {
    const [partner, keys] = await Promise.all([
      api.GET('/api/v1/partners/{partner_id}', { params: { path: { partner_id: id } } }).then(must),
      api.GET('/api/v1/partners/{partner_id}/api-keys', { params: { path: { partner_id: id } } }).then(must),
    ]);
    return { partner, keys };
  }, [id]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<Schemas['ApiKeyCreated'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { byField } = fieldErrorsOf(error, i, (f) => ['name', 'scopes', 'expires_at'].includes(f));

  if (data.error) return <ErrorNotice error={data.error} />;
  if (!data.data) return <Loading />;
  const { partner, keys } = data.data;

  return (
    <div class="stack">
      <p class="back">
        <Link href="/admin/partners">← {t('admin.partners')}</Link>
      </p>
      <Section title={partner.name}>
        <Facts
          items={[
            [t('partners.contact_email'), partner.contact_email],
            [t('users.state'), partner.is_active ? t('users.active') : t('users.inactive')],
            [t('common.created'), formatDateTime(partner.created_at, lang)],
          ]}
        />
      </Section>
      <Section title={t('keys.title')}>
        <p class="card-intro">{t('keys.intro')}</p>
        {created && <ShownOnce label={t('keys.key')} value={created.key} warning={t('keys.shown_once')} />}
        <form
          class="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              const answer = must(
                await api.POST('/api/v1/partners/{partner_id}/api-keys', {
                  params: { path: { partner_id: id } },
                  body: { name: name.trim() || null, scopes: scopes as Schemas['Scope'][], expires_at: expires ? new Date(`${expires}T23:59:59-06:00`).toISOString() : null },
                }),
              );
              setCreated(answer);
              setName('');
              data.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
          <div class="form-grid">
            <TextField label={t('keys.name')} name="name" value={name} onInput={setName} error={byField.name} hint={t('keys.name_hint')} />
            <TextField label={t('keys.expires_at')} name="expires_at" type="date" value={expires} onInput={setExpires} error={byField.expires_at} />
            <CheckboxGroup
              legend={t('keys.scopes')}
              name="scopes"
              options={[
                { value: 'read', label: t('scope.read') },
                { value: 'write', label: t('scope.write') },
              ]}
              values={scopes}
              onChange={setScopes}
              error={byField.scopes}
            />
          </div>
          <div class="form-actions">
            <button type="submit" class="button button-primary">
              {t('keys.create')}
            </button>
          </div>
        </form>
        {keys.length === 0 ? (
          <Empty>{t('keys.none')}</Empty>
        ) : (
          <table class="table">
            <caption class="sr-only">{t('keys.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('keys.prefix')}</th>
                <th scope="col">{t('keys.name')}</th>
                <th scope="col">{t('keys.scopes')}</th>
                <th scope="col">{t('keys.expires_at')}</th>
                <th scope="col">{t('keys.last_used')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row" class="mono">
                    {k.prefix}…
                  </th>
                  <td>{k.name ?? '—'}</td>
                  <td>{k.scopes.map((s) => t(`scope.${s}` as never)).join(', ')}</td>
                  <td class="nowrap">{formatDateTime(k.expires_at, lang)}</td>
                  <td class="nowrap">{formatDateTime(k.last_used_at, lang)}</td>
                  <td>
                    {k.revoked_at ? (
                      <Badge>{t('keys.revoked')}</Badge>
                    ) : (
                      <Button
                        variant="danger"
                        onClick={async () => {
                          if (!confirm(t('keys.confirm_revoke', { prefix: k.prefix }))) return;
                          try {
                            must(await api.DELETE('/api/v1/partners/{partner_id}/api-keys/{key_id}', { params: { path: { partner_id: id, key_id: k.id } } }));
                            data.reload();
                          } catch (err) {
                            setError(err);
                          }
                        }}
                      >
                        {t('keys.revoke')}
                        <span class="sr-only"> {k.prefix}</span>
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

// ---- webhooks -----------------------------------------------------------------------------

const EVENTS: Schemas['WebhookEvent'][] = ['obligation.overdue', 'obligation.due_soon', 'obligation.status_changed'];

function Webhooks() {
  const i = useI18n();
  const { t, lang } = i;
  const data = useAsync(async () => {
    const [hooks, partners] = await Promise.all([
      allPages((cursor) => api.GET('/api/v1/webhooks', { params: { query: { limit: 200, cursor } } }).then(must)),
      allPages((cursor) => api.GET('/api/v1/partners', { params: { query: { limit: 200, cursor } } }).then(must)),
    ]);
    return { hooks, partners };
  }, []);
  const [creating, setCreating] = useState(false);
  const [partner, setPartner] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...EVENTS]);
  const [created, setCreated] = useState<Schemas['WebhookCreated'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { byField, other } = fieldErrorsOf(error, i, (f) => ['partner_id', 'url', 'events', 'description'].includes(f));
  const partnerName = (pid: string) => data.data?.partners.find((p) => p.id === pid)?.name ?? pid;

  return (
    <Section title={t('admin.webhooks')} actions={!creating ? <Button variant="primary" onClick={() => setCreating(true)}>{t('webhooks.new')}</Button> : undefined}>
      <p class="card-intro">{t('webhooks.intro')}</p>
      {created && <ShownOnce label={t('webhooks.secret')} value={created.secret} warning={t('webhooks.shown_once')} />}
      {creating && (
        <form
          class="inline-form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              const answer = must(
                await api.POST('/api/v1/webhooks', { body: { partner_id: partner || null, url: url.trim(), events: events as Schemas['WebhookEvent'][] } }),
              );
              setCreated(answer);
              setCreating(false);
              setUrl('');
              data.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          {error && !Object.keys(byField).length ? <ErrorNotice error={error} /> : null}
          {other.length > 0 && <Notice kind="error">{other.map((o) => o.message).join(' ')}</Notice>}
          <div class="form-grid">
            <SelectField label={t('webhooks.partner')} name="partner_id" required value={partner} empty={t('webhooks.choose_partner')} options={(data.data?.partners ?? []).map((p) => ({ value: p.id, label: p.name }))} onChange={setPartner} error={byField.partner_id} />
            <TextField label={t('webhooks.url')} name="url" type="url" required value={url} onInput={setUrl} error={byField.url} hint={t('webhooks.url_hint')} />
            <CheckboxGroup legend={t('webhooks.events')} name="events" options={EVENTS.map((ev) => ({ value: ev, label: t(`webhook_event.${ev}` as never) }))} values={events} onChange={setEvents} error={byField.events} />
          </div>
          <div class="form-actions">
            <button type="submit" class="button button-primary">
              {t('webhooks.create')}
            </button>
            <Button variant="link" onClick={() => setCreating(false)}>
              {t('common.cancel')}
            </Button>
          </div>
        </form>
      )}
      {data.error ? (
        <ErrorNotice error={data.error} />
      ) : !data.data ? (
        <Loading />
      ) : data.data.hooks.length === 0 ? (
        <Empty>{t('webhooks.none')}</Empty>
      ) : (
        <table class="table">
          <caption class="sr-only">{t('admin.webhooks')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('webhooks.url')}</th>
              <th scope="col">{t('webhooks.partner')}</th>
              <th scope="col">{t('webhooks.events')}</th>
              <th scope="col">{t('common.created')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data.data.hooks.map((h) => (
              <tr key={h.id}>
                <th scope="row" class="mono break">
                  {h.url}
                </th>
                <td>{partnerName(h.partner_id)}</td>
                <td>{h.events.map((ev) => t(`webhook_event.${ev}` as never)).join(', ')}</td>
                <td class="nowrap meta">{formatDateTime(h.created_at, lang)}</td>
                <td>
                  <Button
                    variant="danger"
                    onClick={async () => {
                      if (!confirm(t('webhooks.confirm_delete', { url: h.url }))) return;
                      try {
                        must(await api.DELETE('/api/v1/webhooks/{subscription_id}', { params: { path: { subscription_id: h.id }, header: { 'if-match': version(h.version) } } }));
                        data.reload();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    {t('webhooks.delete')}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

// ---- audit trail --------------------------------------------------------------------------

function Audit({ query }: { query: URLSearchParams }) {
  const { t, lang } = useI18n();
  const filters = { actor: query.get('actor') ?? '', action: query.get('action') ?? '', record_type: query.get('record_type') ?? '' };
  const [draft, setDraft] = useState(filters);
  const key = queryString(filters);
  const [more, setMore] = useState<{ items: Schemas['AuditEventOut'][]; cursor: string | null }>({ items: [], cursor: null });
  const apiQuery = { actor: filters.actor || undefined, action: filters.action || undefined, record_type: filters.record_type || undefined };
  const page = useAsync(() => api.GET('/api/v1/audit-events', { params: { query: { ...apiQuery, limit: 50 } } }).then(must), [key]);
  useEffect(() => {
    setMore({ items: [], cursor: null });
    setDraft(filters);
  }, [key]);
  const rows = [...(page.data?.items ?? []), ...more.items];
  const cursor = more.cursor ?? page.data?.next_cursor ?? null;

  return (
    <Section title={t('admin.audit')}>
      <p class="card-intro">{t('audit.intro')}</p>
      <form
        class="filters"
        role="search"
        aria-label={t('audit.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          history.replaceState(null, '', `/admin/audit${queryString(draft)}`);
          dispatchEvent(new PopStateEvent('popstate'));
        }}
      >
        <TextField label={t('audit.actor')} name="actor" value={draft.actor} onInput={(v) => setDraft({ ...draft, actor: v })} />
        <TextField label={t('audit.action')} name="action" value={draft.action} onInput={(v) => setDraft({ ...draft, action: v })} />
        <TextField label={t('audit.record_type')} name="record_type" value={draft.record_type} onInput={(v) => setDraft({ ...draft, record_type: v })} />
        <div class="filters-actions">
          <button type="submit" class="button">
            {t('audit.apply')}
          </button>
        </div>
      </form>
      {page.error ? (
        <ErrorNotice error={page.error} />
      ) : !page.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>{t('audit.none')}</Empty>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="audit-table">
            <caption class="sr-only">{t('admin.audit')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.record')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((ev) => (
                <tr key={ev.id}>
                  <td class="nowrap meta">{formatDateTime(ev.occurred_at, lang)}</td>
                  <td class="small">
                    <Actor actor={ev.actor} />
                  </td>
                  <td class="mono small">{ev.action}</td>
                  <td class="small">
                    {ev.record_type}
                    {ev.record_id && <span class="mono block meta">{ev.record_id}</span>}
                  </td>
                  <td>
                    {ev.before || ev.after ? (
                      <details>
                        <summary>{t('audit.changes')}</summary>
                        <AuditDiff before={ev.before} after={ev.after} />
                      </details>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <p>
          <Button
            onClick={async () => {
              const next = await api.GET('/api/v1/audit-events', { params: { query: { ...apiQuery, limit: 50, cursor } } }).then(must);
              setMore({ items: [...more.items, ...next.items], cursor: next.next_cursor ?? null });
            }}
          >
            {t('common.load_more')}
          </Button>
        </p>
      )}
    </Section>
  );
}

function AuditDiff({ before, after }: { before: Record<string, unknown> | null; after: Record<string, unknown> | null }) {
  const { t } = useI18n();
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  const changed = keys.filter((k) => show(before?.[k]) !== show(after?.[k]));
  return (
    <table class="table table-compact">
      <thead>
        <tr>
          <th scope="col">{t('conflict.field')}</th>
          <th scope="col">{t('audit.before')}</th>
          <th scope="col">{t('audit.after')}</th>
        </tr>
      </thead>
      <tbody>
        {(changed.length ? changed : keys).map((k) => (
          <tr key={k}>
            <th scope="row" class="mono small">
              {k}
            </th>
            <td class="small break">{show(before?.[k])}</td>
            <td class="small break">{show(after?.[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
