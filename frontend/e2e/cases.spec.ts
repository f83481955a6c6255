import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { apiGet, login, screenshot, token } from './helpers';

test('the table shows the 27 cases; filtering by Jalisco gives 4, kept in the URL', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Casos', exact: true }).click();
  const rows = page.getByTestId('cases-table').locator('tbody tr');
  await expect(rows).toHaveCount(27);
  await expect(page.getByTestId('case-count')).toHaveText('27 casos');
  await screenshot(page, 'cases');

  await page.getByLabel('Estado', { exact: true }).selectOption({ label: 'Jalisco' });
  await expect(rows).toHaveCount(4);
  await expect(page).toHaveURL(/[?&]state=MX-JAL/);
  await expect(page.getByTestId('case-count')).toHaveText('4 casos');

  // The URL alone brings the same view back.
  await page.reload();
  await expect(rows).toHaveCount(4);
  await expect(page.getByLabel('Estado', { exact: true })).toHaveValue('MX-JAL');

  // Sorting by title goes to the API (its order) and to the URL; again, and it is reversed.
  const table = page.getByTestId('cases-table');
  const titles = () => rows.locator('th').allInnerTexts();
  await page.getByRole('button', { name: /Título/ }).click();
  await expect(page).toHaveURL(/sort=title/);
  await expect(page.getByRole('columnheader', { name: /Título/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect(table).toHaveAttribute('aria-busy', 'false');
  const ascending = await titles();
  await page.getByRole('button', { name: /Título/ }).click();
  await expect(page).toHaveURL(/sort=-title/);
  await expect(page.getByRole('columnheader', { name: /Título/ })).toHaveAttribute('aria-sort', 'descending');
  await expect(table).toHaveAttribute('aria-busy', 'false');
  expect(await titles()).toEqual([...ascending].reverse());

  // CSV download with the same filters: a header row and the 4 cases.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Descargar CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/);
  expect(csv[0]).toContain('title');
  expect(csv).toHaveLength(5);

  // Full-text search narrows further, and clearing the filters brings back all 27.
  await page.getByRole('button', { name: 'Quitar filtros' }).click();
  await expect(rows).toHaveCount(27);
});

test('a case page shows its sources, patterns, links and timeline', async ({ page }) => {
  await login(page);
  await page.goto('/cases?sort=report_number');
  await page.getByRole('link', { name: 'Tlatelli' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tlatelli' })).toBeVisible();
  await expect(page.getByText('Morelos · 2007–2018 · Privada')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Fuentes' })).toBeVisible();
  // A documentary date at its precision: the report is dated by month.
  await expect(page.locator('.sources')).toContainText('julio de 2024');
  await expect(page.getByRole('link', { name: 'Varios presuntos agresores' })).toBeVisible();
  await expect(page.getByTestId('timeline')).toContainText('Inicio del periodo documentado');
  await screenshot(page, 'case');
});

test('create a case (API validation errors at their fields), then see it', async ({ page, request }) => {
  await login(page, 'editor');
  await page.goto('/cases');
  await page.getByRole('link', { name: 'Nuevo caso' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Nuevo caso' })).toBeVisible();

  // The service validates: an empty title and an inverted period come back at their fields.
  await page.getByLabel(/^Estado/).selectOption({ label: 'Jalisco' });
  await page.getByLabel(/^Año de inicio/).fill('2020');
  await page.getByRole('button', { name: 'Crear caso' }).click();
  await expect(page.getByRole('alert').first()).toContainText('No se guardó');
  const title = page.getByLabel(/^Título/);
  await expect(title).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-invalid').filter({ has: title })).toContainText('No puede quedar vacío.');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'case-form', { fullPage: false });

  await title.fill('Caso de prueba E2E: jardín de niños');
  await page.getByLabel(/^Año de fin/).fill('2019');
  await page.getByRole('button', { name: 'Crear caso' }).click();
  await expect(page.getByLabel(/^Año de fin/)).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel(/^Año de fin/).fill('2022');
  await page.getByRole('checkbox', { name: 'Cámaras o grabaciones' }).check();
  await page.getByRole('button', { name: 'Agregar fuente' }).click();
  await page.getByLabel(/^Referencia/).fill('Testimonio recabado por la organización');
  await page.getByLabel('Precisión').selectOption('month');
  await page.getByLabel('Fecha', { exact: true }).fill('2023-08');
  await page.getByRole('button', { name: 'Crear caso' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Caso de prueba E2E: jardín de niños' })).toBeVisible();
  await expect(page.getByText('Caso creado.')).toBeVisible();
  await expect(page.getByText('Jalisco · 2020–2022')).toBeVisible();
  await expect(page.locator('.sources')).toContainText('agosto de 2023');

  const id = page.url().split('/').pop()!;

  await page.goto('/cases?state=MX-JAL');
  await expect(page.getByTestId('cases-table').locator('tbody tr')).toHaveCount(5);
  await expect(page.getByRole('link', { name: 'Caso de prueba E2E: jardín de niños' })).toBeVisible();

  // Leave the demo data as it was for the other tests.
  const bearer = await token(request, 'admin');
  const { etag } = await apiGet(request, `/api/v1/cases/${id}`, bearer);
  const removed = await request.delete(`/api/v1/cases/${id}`, { headers: { Authorization: `Bearer ${bearer}`, 'If-Match': etag } });
  expect(removed.status()).toBe(204);
});

test('a conflicting edit shows both versions and never overwrites silently', async ({ page, request }) => {
  await login(page, 'editor');
  await page.goto('/cases?q=Oakwood');
  await page.getByRole('link', { name: 'Colegio Oakwood' }).click();
  const caseUrl = page.url();
  const id = caseUrl.split('/').pop()!;
  await page.getByRole('link', { name: 'Editar' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Editar caso' })).toBeVisible();
  await page.getByLabel(/^Resumen/).fill('Resumen escrito en el navegador.');

  // Meanwhile someone else saves a change to the same case.
  const bearer = await token(request, 'admin');
  const { etag } = await apiGet(request, `/api/v1/cases/${id}`, bearer);
  const other = await request.patch(`/api/v1/cases/${id}`, {
    headers: { Authorization: `Bearer ${bearer}`, 'If-Match': etag },
    data: { summary: 'Resumen guardado por otra persona.', legal_status: 'under_investigation' },
  });
  expect(other.status()).toBe(200);

  await page.getByRole('button', { name: 'Guardar cambios' }).click();
  const dialog = page.getByRole('dialog', { name: 'Alguien más cambió este caso' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('conflict')).toContainText('Resumen escrito en el navegador.');
  await expect(dialog.getByTestId('conflict')).toContainText('Resumen guardado por otra persona.');
  await expect(dialog.getByTestId('conflict')).toContainText('En investigación');
  await screenshot(page, 'case-conflict', { fullPage: false });

  // Nothing was written by the stale save.
  const after = await apiGet<{ summary: string }>(request, `/api/v1/cases/${id}`, bearer);
  expect(after.body.summary).toBe('Resumen guardado por otra persona.');

  // Taking their version reloads the form with it.
  await dialog.getByRole('button', { name: 'Descartar mis cambios y cargar la versión guardada' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByLabel(/^Resumen/)).toHaveValue('Resumen guardado por otra persona.');
});
