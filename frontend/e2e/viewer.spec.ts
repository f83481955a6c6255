import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('a viewer sees no edit controls, and a forbidden action says so clearly', async ({ page }) => {
  await login(page, 'viewer');
  await expect(page.getByText('Consulta', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Administración' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Casos', exact: true }).click();
  await expect(page.getByTestId('cases-table').locator('tbody tr').first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'Nuevo caso' })).toHaveCount(0);
  await page.getByTestId('cases-table').locator('tbody tr').first().getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Fuentes' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Editar' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Vincular con otro caso' })).toHaveCount(0);

  await page.goto('/court-orders');
  await page.getByRole('link', { name: /Sentencia penal que ordena a la SEP/ }).click();
  await page.getByTestId('obligations').locator(':scope > li').first().getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Historial de cumplimiento' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Registrar cambio de estado' })).toHaveCount(0);

  // Going straight to a form the account may not use.
  await page.goto('/cases/new');
  await expect(page.getByRole('alert')).toContainText('Tu cuenta es de consulta');
  await expect(page.getByRole('button', { name: 'Crear caso' })).toHaveCount(0);

  // And what the service itself refuses (403) is explained, not shown as a raw error.
  await page.goto('/admin/users');
  await expect(page.getByRole('alert').first()).toContainText('Solo una persona con rol de administración');
  await screenshot(page, 'viewer-forbidden');
});
