import { expect, test } from '@playwright/test';
import { email, login, PASSWORD, screenshot } from './helpers';

test('logs in, refuses a wrong password, and logs out', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { level: 1, name: 'Iniciar sesión' })).toBeVisible();
  await screenshot(page, 'login');

  await page.getByLabel('Correo electrónico').fill(email('admin'));
  await page.getByLabel('Contraseña').fill('not the password');
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByRole('alert')).toContainText('El correo o la contraseña no son correctos.');

  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Resumen' })).toBeVisible();
  await expect(page.getByText(email('admin'))).toBeVisible();

  await page.getByRole('button', { name: 'Cerrar sesión' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByText('Cerraste la sesión.')).toBeVisible();
  // The token is gone from the tab: going back in does not reopen the session.
  await page.goto('/cases');
  await expect(page).toHaveURL(/\/login\?next=%2Fcases/);
});

test('the session ends cleanly when the service answers 401', async ({ page }) => {
  await login(page);
  // The token is revoked behind the dashboard's back (as when it expires or an admin ends it).
  const revoked = await page.evaluate(async () => {
    const { token } = JSON.parse(sessionStorage.getItem('vigia.session') ?? '{}') as { token: string };
    return (await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status;
  });
  expect(revoked).toBe(204);
  await page.getByRole('link', { name: 'Casos', exact: true }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fcases/);
  await expect(page.getByText('Tu sesión terminó. Vuelve a entrar para continuar.')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('vigia.session'))).toBeNull();

  // Logging in again returns to where the user was going.
  await page.getByLabel('Correo electrónico').fill(email('admin'));
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page).toHaveURL(/\/cases$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Casos' })).toBeVisible();
});
