import { expect, test } from '@playwright/test';
import { screenshot } from './helpers';

interface Clock {
  complied: number;
  obligations_total: number;
  days_since_notification: number | null;
  approximate: boolean;
}
interface Order {
  id: string;
  title: string;
  clock: Clock;
  obligations: { obligated: { short_name: string } | null }[];
}

test('the public page: map, charts, the SEP order clock and the downloads, without logging in', async ({ page, request }) => {
  // From the login page, with no session at all.
  await page.goto('/login');
  await page.getByRole('link', { name: 'Consulta los datos públicos sin iniciar sesión' }).click();
  await expect(page).toHaveURL(/\/publico$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Datos públicos' })).toBeVisible();
  // And straight to it: a fresh visitor is not sent to the login.
  await page.goto('/publico');
  await expect(page).toHaveURL(/\/publico$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Datos públicos' })).toBeVisible();

  // The map: the 32 states, the 12 with (public) demo cases coloured; no links into the staff screens.
  const map = page.getByTestId('mexico-map');
  await expect(map).toBeVisible();
  await expect(map.locator('path[data-state]')).toHaveCount(32);
  await expect(map.locator('path.has-cases')).toHaveCount(12);
  await expect(map.locator('a')).toHaveCount(0);
  expect(await map.locator('path[data-state="MX-CMX"]').getAttribute('data-count')).toBe('10');
  expect(await map.locator('path[data-state="MX-SON"]').getAttribute('fill')).toBe('#eceff3');

  // Withheld counts (fewer than 3) read "menos de 3", never 0.
  const stats = await (await request.get('/api/v1/public/stats/cases?group_by=state')).json();
  const suppressed = (stats.items as { key: string; suppressed: boolean }[]).filter((x) => x.suppressed);
  await expect(map.locator('path[data-suppressed="true"]')).toHaveCount(suppressed.length);
  const ranked = page.getByTestId('public-states').locator('li');
  await expect(ranked).toHaveCount(12);
  await expect(ranked.filter({ hasText: 'menos de 3' })).toHaveCount(suppressed.length);
  await expect(ranked.filter({ hasText: 'Ciudad de México' })).toContainText('10');
  await expect(page.getByRole('heading', { name: 'Casos por año' })).toBeVisible();

  // The SEP order's clock, as the public API counts it today.
  const orders = (await (await request.get('/api/v1/public/court-orders')).json()).items as Order[];
  const sep = orders.find((o) => o.obligations.some((ob) => ob.obligated?.short_name === 'SEP'))!;
  expect(sep).toBeTruthy();
  const days = new Intl.NumberFormat('es-MX').format(sep.clock.days_since_notification!);
  const card = page.getByTestId('public-order').filter({ hasText: sep.title });
  const clock = card.getByTestId('order-clock');
  await expect(clock).toContainText(`0 de ${sep.clock.obligations_total} cumplidas`);
  await expect(clock).toContainText(`${days} días desde la notificación`);
  if (sep.clock.approximate) await expect(clock).toContainText('(aprox.)');

  // Its badge loads, and the embed snippet points at the card.
  const badge = card.getByTestId('order-badge');
  await expect(badge).toHaveAttribute('src', `/api/v1/public/court-orders/${sep.id}/badge.svg?lang=es`);
  await expect.poll(() => badge.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expect(card.getByTestId('embed-snippet')).toHaveValue(new RegExp(`/api/v1/public/court-orders/${sep.id}/card\\?lang=es`));

  // The downloads: every dataset as CSV and JSON, each answering without credentials.
  const downloads = page.getByTestId('downloads');
  for (const [name, label] of [
    ['cases', 'Casos'],
    ['institutions', 'Instituciones'],
    ['court_orders', 'Sentencias'],
    ['obligations', 'Obligaciones'],
  ]) {
    for (const ext of ['csv', 'json']) {
      const link = downloads.getByRole('link', { name: `${label} en ${ext.toUpperCase()}`, exact: true });
      await expect(link).toHaveAttribute('href', new RegExp(`/api/v1/public/data/${name}\\.${ext}$`));
    }
  }
  const csv = await request.get('/api/v1/public/data/cases.csv');
  expect(csv.ok()).toBeTruthy();
  await expect(page.getByRole('link', { name: 'Diccionario de datos (JSON)' })).toBeVisible();

  await screenshot(page, 'public');

  // In English, the same withheld counts read "fewer than 3".
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Public data' })).toBeVisible();
  await expect(page.getByTestId('public-states').locator('li').filter({ hasText: 'fewer than 3' })).toHaveCount(suppressed.length);
  await expect(clock).toContainText(`days since notification`);
  await page.getByRole('button', { name: 'Español' }).click();
});
