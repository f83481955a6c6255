import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('record an obligation status change with an uploaded document', async ({ page }) => {
  await login(page, 'editor');
  await page.getByRole('link', { name: 'Sentencias y cumplimiento' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sentencias y cumplimiento' })).toBeVisible();
  await expect(page.getByText('0 de 6 obligaciones cumplidas')).toBeVisible();
  await screenshot(page, 'court-orders');

  await page.getByRole('link', { name: /Sentencia penal que ordena a la SEP/ }).click();
  const obligations = page.getByTestId('obligations').locator(':scope > li');
  await expect(obligations).toHaveCount(6);
  await screenshot(page, 'court-order');
  await obligations.first().getByRole('link').click();
  await expect(page.getByText('Aún no se ha registrado ningún cambio de estado.')).toBeVisible();

  await page.getByRole('button', { name: 'Registrar cambio de estado' }).click();
  const form = page.getByTestId('status-change-form');
  await form.getByLabel(/^Nuevo estado/).selectOption({ label: 'En disputa' });
  await form
    .getByLabel(/^Motivo/)
    .fill('La SEP presentó un oficio que afirma el cumplimiento; la organización no lo acepta: no hay cambios verificables.');
  await form.getByLabel('Documentos de respaldo').setInputFiles({
    name: 'oficio-sep-respuesta.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% Vigía e2e test document\n%%EOF\n'),
  });
  await expect(form).toContainText('oficio-sep-respuesta.pdf');
  await form.getByRole('button', { name: 'Registrar cambio' }).click();

  await expect(page.getByText('Cambio de estado registrado.')).toBeVisible();
  const history = page.getByTestId('history');
  await expect(history.locator(':scope > li')).toHaveCount(1);
  await expect(history).toContainText('Pendiente');
  await expect(history).toContainText('En disputa');
  await expect(history).toContainText('no hay cambios verificables');
  await expect(history).toContainText('oficio-sep-respuesta.pdf');
  await expect(page.getByTestId('evidence')).toContainText('oficio-sep-respuesta.pdf');
  await screenshot(page, 'obligation');

  // The stored bytes come back as uploaded.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('evidence').getByRole('button', { name: /Descargar/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('oficio-sep-respuesta.pdf');
});

test('the deadline calendar', async ({ page }) => {
  await login(page);
  await page.goto('/court-orders/calendar');
  await expect(page.getByRole('heading', { level: 1, name: 'Calendario de plazos' })).toBeVisible();
  await expect(page.getByTestId('calendar')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sin plazo señalado' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Crear enlace del calendario' })).toBeVisible();
  await screenshot(page, 'calendar');
});
