import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, schemaFile } from '../scripts/gen-types.mjs';

describe('generated API types', () => {
  it("src/api/schema.d.ts matches a fresh generation from the service's OpenAPI (run `make frontend-types`)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigia-schema-'));
    try {
      const fresh = join(dir, 'schema.d.ts');
      writeFileSync(fresh, await generate());
      const current = readFileSync(schemaFile, 'utf8');
      const expected = readFileSync(fresh, 'utf8');
      // Compared whole, but a failure names the first differing line rather than dumping 5,000.
      if (current !== expected) {
        const a = current.split('\n');
        const b = expected.split('\n');
        const line = a.findIndex((l, i) => l !== b[i]);
        expect.fail(
          `src/api/schema.d.ts is stale: it differs from the service's OpenAPI at line ${line + 1}:\n` +
            `  committed: ${a[line] ?? '(end of file)'}\n  fresh:     ${b[line] ?? '(end of file)'}\n` +
            'Run `make frontend-types` and commit the result.',
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
