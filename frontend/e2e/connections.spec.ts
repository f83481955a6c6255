import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('the timeline draws one period bar per case, coloured by wave, each a link to its case', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Línea de tiempo' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Línea de tiempo de los casos' })).toBeVisible();
  const bars = page.getByTestId('timeline-bar');
  await expect(bars).toHaveCount(27);
  // The demo's four report waves, each in the legend.
  for (const wave of [1, 2, 3, 4]) await expect(page.getByRole('list', { name: 'Entregas del informe' })).toContainText(`Entrega ${wave}`);
  await expect(page.locator('[data-testid="timeline-bar"][data-wave="4"]')).toHaveCount(3);
  await screenshot(page, 'timeline');
  // Tlatelli's period spans 2007–2018; its bar opens the case.
  const tlatelli = bars.filter({ hasText: 'Tlatelli' });
  await expect(tlatelli).toHaveAttribute('aria-label', /Tlatelli: 2007–2018/);
  await tlatelli.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tlatelli' })).toBeVisible();
});
