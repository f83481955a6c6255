import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('switches to English, and the choice persists', async ({ page }) => {
  await login(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('link', { name: 'Cases', exact: true })).toBeVisible();
  await expect(page.getByTestId('order-compliance')).toContainText('0 of 6 obligations complied with');
  // Dates in English too: the order was notified in August 2023 (month precision).
  await expect(page.getByTestId('order-compliance')).toContainText('Notified in August 2023');
  await screenshot(page, 'overview-en');

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await page.getByRole('link', { name: 'Cases', exact: true }).click();
  await expect(page.getByTestId('case-count')).toHaveText('27 cases');

  await page.getByRole('button', { name: 'Español' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Casos' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
});
