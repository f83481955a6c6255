// The end-to-end tests drive Debian's Chromium: without it they fail here, loudly, with the fix.
import { accessSync, constants } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
try {
  accessSync(path, constants.X_OK);
} catch {
  console.error(`error: Chromium is missing (${path}): the end-to-end tests need it.
Install it with:  apt-get install chromium   (as root, after apt-get update)
or point CHROMIUM_PATH at a Chromium binary.`);
  process.exit(1);
}
