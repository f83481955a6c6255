// Copies the current screenshot of each main screen (written by the end-to-end tests to
// test-results/screenshots/) to docs/screenshots/, where the README shows them.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const from = resolve(here, '../test-results/screenshots');
const to = resolve(here, '../../docs/screenshots');
export const MAIN_SCREENS = [
  'login',
  'overview',
  'overview-en',
  'cases',
  'case',
  'case-form',
  'case-conflict',
  'institutions',
  'institution',
  'court-orders',
  'court-order',
  'obligation',
  'calendar',
  'investigations',
  'proceeding',
  'timeline',
  'network',
  'case-similar',
  'admin',
  'admin-keys',
  'audit',
  'viewer-forbidden',
  'public',
];

mkdirSync(to, { recursive: true });
const missing = MAIN_SCREENS.filter((n) => !existsSync(join(from, `${n}.png`)));
if (missing.length) {
  console.error(`missing screenshots (run the end-to-end tests first): ${missing.join(', ')}`);
  process.exit(1);
}
for (const name of MAIN_SCREENS) copyFileSync(join(from, `${name}.png`), join(to, `${name}.png`));
console.log(`copied ${MAIN_SCREENS.length} screenshots to ${to}`);
