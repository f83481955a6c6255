import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('institutions: list, a page with former names, cases and the scorecard', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Instituciones' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Instituciones' })).toBeVisible();
  await screenshot(page, 'institutions');
  await page.getByRole('link', { name: 'Secretaría de Educación Pública (SEP)' }).click();
  await expect(page.getByRole('heading', { name: 'Cumplimiento de obligaciones' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Nombres anteriores' })).toBeVisible();
  await screenshot(page, 'institution');
});

test('investigations: proceedings and the measures requested', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Investigaciones' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Investigaciones' })).toBeVisible();
  await screenshot(page, 'investigations');
  // The demo's federal investigation, and the sixteen measures the report says were never carried out.
  // (Also listed: the criminal trial behind the SEP order, which has no measures.)
  const rows = page.getByTestId('proceedings-table').locator('tbody tr');
  const investigation = rows.filter({ hasText: 'FED/SEIDO/UEITM-PO-CDMX/0000399/2021' });
  await expect(rows).toHaveCount(2);
  await expect(investigation).toContainText('16 sin realizar');
  await investigation.getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Diligencias solicitadas' })).toBeVisible();
  const measures = page.getByTestId('measures').locator(':scope > li');
  await expect(measures).toHaveCount(20);
  await expect(measures.filter({ hasText: 'Solicitada' })).toHaveCount(16);
  await screenshot(page, 'proceeding', { fullPage: false });
});

test('admin: users, a partner with an API key shown once, the audit trail', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Administración' }).click();
  await expect(page.getByTestId('users-table')).toContainText('viewer@e2e.vigia.test');
  await screenshot(page, 'admin');

  await page.getByRole('link', { name: 'Organizaciones aliadas' }).click();
  await page.getByRole('button', { name: 'Nueva organización' }).click();
  const name = `Red de prueba ${Date.now()}`;
  await page.getByLabel(/^Nombre/).fill(name);
  await page.getByRole('button', { name: 'Crear organización' }).click();
  await page.getByRole('link', { name }).click();
  await page.getByLabel(/^Nombre de la llave/).fill('sincronización nocturna');
  await page.getByRole('button', { name: 'Crear llave' }).click();
  const key = page.getByTestId('shown-once');
  await expect(key).toBeVisible();
  expect((await key.inputValue()).length).toBeGreaterThan(20);
  await expect(page.getByText('no se volverá a mostrar')).toBeVisible();
  const prefix = (await key.inputValue()).slice(0, 8);
  await expect(page.locator('table').filter({ hasText: 'sincronización nocturna' })).toContainText(prefix);
  await screenshot(page, 'admin-keys');
  // Once left, the key is not shown again: only its prefix.
  await page.reload();
  await expect(page.getByTestId('shown-once')).toHaveCount(0);

  await page.getByRole('link', { name: 'Auditoría' }).click();
  await expect(page.getByTestId('audit-table')).toBeVisible();
  await screenshot(page, 'audit', { fullPage: false });
});
