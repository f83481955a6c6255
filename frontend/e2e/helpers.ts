import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type APIRequestContext, expect, type Page } from '@playwright/test';

export type Role = 'admin' | 'editor' | 'viewer';
export const PASSWORD = process.env.E2E_PASSWORD!;
export const email = (role: Role) => `${role}@e2e.vigia.test`;

const here = dirname(fileURLToPath(import.meta.url));
/** Where every run writes its screenshots (not committed). */
export const SCREENSHOTS = join(here, '..', 'test-results', 'screenshots');

/** Logs in through the login form, in Spanish (the default), and waits for the overview. */
export async function login(page: Page, role: Role = 'admin'): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Correo electrónico').fill(email(role));
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Resumen' })).toBeVisible();
}

/** A full-page screenshot of a main screen, named for it. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Settled: nothing loading, fonts in, and a moment for charts to paint.
  await expect(page.locator('.loading, [aria-busy="true"]')).toHaveCount(0);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? true });
}

/** A bearer token for calling the API directly (to play "someone else"). */
export async function token(request: APIRequestContext, role: Role = 'admin'): Promise<string> {
  const answer = await request.post('/api/v1/auth/token', { form: { username: email(role), password: PASSWORD } });
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()).access_token as string;
}

export async function apiGet<T>(request: APIRequestContext, path: string, bearer: string): Promise<{ body: T; etag: string }> {
  const answer = await request.get(path, { headers: { Authorization: `Bearer ${bearer}` } });
  expect(answer.ok(), `${path} answered ${answer.status()}`).toBeTruthy();
  return { body: (await answer.json()) as T, etag: answer.headers().etag ?? '' };
}

