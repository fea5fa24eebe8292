#!/usr/bin/env node
// A committed entry point rather than dist/cli/main.js itself: npm links a bin at install time
// only if its file exists, and in a fresh clone of the repository dist/ does not exist yet.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('nestjs-webhooks: the library is not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
