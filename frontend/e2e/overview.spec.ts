import { expect, test } from '@playwright/test';
import { login, screenshot } from './helpers';

test('the map shows the 32 states, 12 of them coloured by their cases', async ({ page }) => {
  await login(page);
  const map = page.getByTestId('mexico-map');
  await expect(map).toBeVisible();
  await expect(map.locator('path[data-state]')).toHaveCount(32);
  const coloured = map.locator('path.has-cases');
  await expect(coloured).toHaveCount(12);
  // Coloured means a fill other than the empty states' one, and darker for more cases.
  const fill = (code: string) => map.locator(`path[data-state="${code}"]`).getAttribute('fill');
  const empty = await fill('MX-SON');
  expect(await fill('MX-JAL')).not.toBe(empty);
  expect(await map.locator('path[data-state="MX-CMX"]').getAttribute('data-count')).toBe('10');
  expect(await map.locator('path[data-state="MX-JAL"]').getAttribute('data-count')).toBe('4');

  // The court order's compliance: none of the six obligations complied with.
  await expect(page.getByTestId('order-compliance')).toContainText('0 de 6 obligaciones cumplidas');
  await expect(page.getByRole('heading', { name: 'Casos por año' })).toBeVisible();
  await screenshot(page, 'overview');

  // A state on the map opens its cases.
  await map.locator('a[href="/cases?state=MX-JAL"]').click();
  await expect(page).toHaveURL(/\/cases\?state=MX-JAL/);
  await expect(page.getByTestId('case-count')).toHaveText('4 casos');
});
