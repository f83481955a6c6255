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

test('the network: from the SEP court order, then around the federal investigation and its 27 cases; a click adds a school; edge filters', async ({ page }) => {
  await login(page);
  await page.getByRole('link', { name: 'Red', exact: true }).click();
  await expect(page.getByText('Elige dónde centrar la red')).toBeVisible();
  // "Ver red" on a court order opens the network centred on it.
  await page.getByRole('link', { name: 'Sentencias y cumplimiento' }).click();
  await page.getByRole('link', { name: /Sentencia penal que ordena a la SEP/ }).click();
  await page.getByRole('link', { name: 'Ver red' }).click();
  await expect(page).toHaveURL(/\/red\?center=court_order%3A/);
  await expect(page.getByRole('heading', { level: 1, name: 'Red de conexiones' })).toBeVisible();
  const graph = page.getByTestId('network-graph');
  const nodes = graph.getByTestId('network-node');
  await expect(graph.locator('.node-center[data-kind="court_order"]')).toHaveCount(1);
  await expect(page.getByTestId('network-selected')).toContainText('Sentencia penal que ordena a la SEP');

  // Re-centred on the federal investigation through the chooser (as "Ver red" on its page does).
  const chooser = page.getByLabel('Centrar la red en');
  const investigation = chooser.locator('option', { hasText: 'Carpeta de investigación federal' });
  await expect(investigation).toHaveCount(1);
  await chooser.selectOption((await investigation.getAttribute('value'))!);
  await page.getByRole('button', { name: 'Mostrar' }).click();
  await expect(page).toHaveURL(/\/red\?center=proceeding%3A/);
  await expect(graph.locator('[data-kind="proceeding"]')).toHaveCount(1);
  await expect(graph.locator('[data-kind="case"]')).toHaveCount(27);
  await expect(graph.locator('[data-testid="network-edge"][data-kind="same_proceeding"]')).toHaveCount(27);
  // The same nodes as a table, for keyboard and screen-reader users.
  await expect(page.getByTestId('network-table').locator('tbody tr')).toHaveCount(await nodes.count());

  // A click on a case shows it in the panel and brings in its own connections: its school.
  const before = await nodes.count();
  await graph.locator('[data-kind="case"]', { hasText: 'Tlatelli' }).click();
  await expect(page.getByTestId('network-selected')).toContainText('Tlatelli');
  await expect(graph.locator('[data-kind="institution"]', { hasText: 'Tlatelli' })).toHaveCount(1);
  expect(await nodes.count()).toBeGreaterThan(before);
  await expect(page.getByTestId('network-selected').getByRole('link', { name: 'Abrir su página' })).toHaveAttribute('href', /^\/cases\//);

  // Hiding the "same proceeding" edges leaves the center alone; showing them again brings all back.
  const count = await nodes.count();
  await page.getByRole('checkbox', { name: /Mismo procedimiento/ }).uncheck();
  await expect(nodes).toHaveCount(1);
  await page.getByRole('checkbox', { name: /Mismo procedimiento/ }).check();
  await expect(nodes).toHaveCount(count);
  // By keyboard: a node is a button (Enter), and every node's row in the table has one.
  await graph.locator('[data-kind="case"]', { hasText: 'Colegio Oakwood' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('network-selected')).toContainText('Colegio Oakwood');
  await expect(graph.locator('[data-kind="institution"]', { hasText: 'Colegio Oakwood' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Agregar las conexiones de «Care»' }).press('Enter');
  await expect(graph.locator('[data-kind="institution"]', { hasText: 'Care' })).toHaveCount(1);
  await expect(page.getByTestId('network-table').locator('tbody tr')).toHaveCount(await nodes.count());
  // Zooming closes in on the selected node, and back.
  await page.getByRole('button', { name: 'Acercar' }).click();
  await expect(graph).toHaveAttribute('data-zoom', '1.60');
  await page.getByRole('button', { name: 'Ver toda la red' }).click();
  await expect(graph).toHaveAttribute('data-zoom', '1.00');
  // Presumption of innocence: nothing on the page calls anyone an aggressor.
  await expect(page.locator('main')).not.toContainText(/agresor/i);
  await page.locator('.grid-network').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'network', { fullPage: false });
});

test('a case page lists its similar cases with the score and the reasons in words, and links to them', async ({ page }) => {
  await login(page);
  await page.goto('/cases?sort=report_number');
  await page.getByRole('link', { name: 'Tlatelli' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tlatelli' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Casos similares' })).toBeVisible();
  const items = page.getByTestId('similar-cases').locator(':scope > li');
  await expect(items.first()).toBeVisible();
  // The other private school in Morelos: same state, same sector.
  const oakwood = items.filter({ hasText: 'Colegio Oakwood' });
  await expect(oakwood.locator('[data-reason="same_state"]')).toContainText('Mismo estado: Morelos');
  await expect(oakwood.locator('[data-reason="sector"]')).toContainText('Mismo sector: Privada');
  await expect(oakwood).toContainText(/Puntuación \d/);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(oakwood.locator('[data-reason="same_state"]')).toContainText('Same state: Morelos');
  await page.getByRole('button', { name: 'Español' }).click();
  await page.getByTestId('similar-cases').evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'case-similar', { fullPage: false });
  await oakwood.getByRole('link', { name: 'Colegio Oakwood' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Colegio Oakwood' })).toBeVisible();
});
