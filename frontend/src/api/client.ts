// The one way the dashboard talks to the service: openapi-fetch over the generated types.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

/** Called when the service answers 401 to a logged-in request: the session is over. */
let onUnauthorized: () => void = () => {};
let currentToken: () => string | null = () => null;

export function configureAuth(options: { token: () => string | null; unauthorized: () => void }): void {
  currentToken = options.token;
  onUnauthorized = options.unauthorized;
}

export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization') && !request.url.includes('/auth/')) {
      onUnauthorized();
    }
    return response;
  },
};

export const api = createClient<paths, 'application/json'>({ baseUrl: '' });
api.use(auth);

/** A failed call: the HTTP status and the RFC 9457 problem the service answered. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<Problem> | null;

  constructor(status: number, problem: unknown) {
    const p = problem && typeof problem === 'object' ? (problem as Partial<Problem>) : null;
    super(p?.detail || p?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = p;
  }

  /** The field errors, keyed by field path (`title`, `sources.0.kind`). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) {
      const field = e.field.replace(/^body\./, '');
      out[field] = out[field] ? `${out[field]} ${e.message}` : e.message;
    }
    return out;
  }
}

/** The answer's data, or an ApiError. */
export function must<D>(result: { data?: D; error?: unknown; response: Response }): D {
  if (result.response.ok && result.error === undefined) return result.data as D;
  throw new ApiError(result.response.status, result.error);
}

/** The record's version from the ETag header, for If-Match. */
export function etagOf(response: Response): string {
  return response.headers.get('ETag') ?? '';
}

/** Walks every page of a list (the API caps pages at 200). */
export async function allPages<I>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: I[]; next_cursor?: string | null }>,
  maxPages = 50,
): Promise<I[]> {
  const items: I[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await fetchPage(cursor);
    items.push(...answer.items);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return items;
}

/** A list as CSV (Accept: text/csv), every page joined under one header row. */
export async function downloadCsv(path: string, query: URLSearchParams, filename: string): Promise<void> {
  const parts: string[] = [];
  query.set('limit', '200');
  let url: string | null = `${path}?${query}`;
  for (let page = 0; url && page < 100; page += 1) {
    const response: Response = await fetch(url, { headers: { Accept: 'text/csv', ...authHeaders() } });
    if (!response.ok) {
      if (response.status === 401) onUnauthorized();
      throw new ApiError(response.status, await response.json().catch(() => null));
    }
    const text = await response.text();
    parts.push(page === 0 ? text : text.slice(text.indexOf('\n') + 1));
    url = nextLink(response.headers.get('Link'));
  }
  saveBlob(new Blob(['\ufeff', ...parts], { type: 'text/csv;charset=utf-8' }), filename);
}

function nextLink(header: string | null): string | null {
  const m = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  if (!m) return null;
  const u = new URL(m[1], location.origin);
  return u.pathname + u.search;
}

/** A stored document's bytes (Authorization needs fetch, not a plain link). */
export async function downloadEvidence(id: string, filename: string): Promise<void> {
  const response = await fetch(`/api/v1/evidence/${encodeURIComponent(id)}/content`, { headers: authHeaders() });
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  saveBlob(await response.blob(), filename);
}

export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
