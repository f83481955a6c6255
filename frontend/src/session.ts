// The staff session: a bearer token kept in this tab (sessionStorage), the user's e-mail and role.
import { api, ApiError, configureAuth, must, type Schemas } from './api/client';
import { createStore } from './store';

export type Role = Schemas['Role'];

export interface Session {
  token: string;
  email: string;
  role: Role | null;
}

const STORAGE_KEY = 'vigia.session';

function load(): Session | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    const value = raw ? (JSON.parse(raw) as Session) : null;
    return value && typeof value.token === 'string' ? value : null;
  } catch {
    return null;
  }
}

function save(session: Session | null): void {
  try {
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // the session then lives only in memory
  }
}

export const sessionStore = createStore<Session | null>(load());
/** Why the user is back at the login page ("expired", "logged_out"), shown there once. */
export const loginNotice = createStore<'expired' | 'logged_out' | null>(null);

function end(reason: 'expired' | 'logged_out'): void {
  save(null);
  loginNotice.set(reason);
  sessionStore.set(null);
}

configureAuth({
  token: () => sessionStore.get()?.token ?? null,
  unauthorized: () => {
    if (sessionStore.get()) end('expired');
  },
});

export async function login(email: string, password: string): Promise<void> {
  const result = await api.POST('/api/v1/auth/token', {
    body: { username: email.trim(), password, scope: '' },
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  const token = must(result).access_token;
  const role = await roleOf(token);
  const session = { token, email: email.trim(), role };
  save(session);
  loginNotice.set(null);
  sessionStore.set(session);
}

export async function logout(): Promise<void> {
  try {
    await api.POST('/api/v1/auth/logout');
  } catch {
    // the token is dropped here whatever the network says
  }
  end('logged_out');
}

/**
 * The caller's role. The service has no "who am I" endpoint yet, so it is learnt from what the
 * service allows: the admin-only user list answers an admin; a write with an empty body answers 403
 * to a viewer before any validation (and 422, writing nothing, to an editor).
 */
async function roleOf(token: string): Promise<Role | null> {
  const headers = { Authorization: `Bearer ${token}` };
  try {
    const me = await fetch('/api/v1/auth/me', { headers });
    if (me.ok && me.headers.get('Content-Type')?.includes('json')) {
      const body = (await me.json().catch(() => ({}))) as { role?: Role };
      if (body.role) return body.role;
    }
    const users = await api.GET('/api/v1/users', { params: { query: { limit: 1 } }, headers });
    if (users.response.ok) return 'admin';
    const probe = await fetch('/api/v1/cases', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (probe.status === 403) return 'viewer';
    if (probe.status === 422) return 'editor';
  } catch {
    // unknown: treated as read-only below
  }
  return null;
}

export function canWrite(session: Session | null): boolean {
  return session?.role === 'admin' || session?.role === 'editor';
}

export function isAdmin(session: Session | null): boolean {
  return session?.role === 'admin';
}

export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}
