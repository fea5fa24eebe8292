#!/usr/bin/env node
// Proves the published package works for a user: `npm pack` the library, install the tarball into
// a separate, fresh Nest 12 app (its own package.json, no workspace links), and boot it: the
// exports map, the types, the `testing` entry and the bin must all resolve from the tarball.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'libs/webhooks');
const app = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', app], lib));
const files = packed.files.map((f) => f.path);
for (const required of [
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/cli/main.js',
  'LICENSE',
  'README.md',
]) {
  if (!files.includes(required)) throw new Error(`the tarball lacks ${required}`);
}
const leaked = files.filter((f) => /\.spec\.|\/src\//.test(f));
if (leaked.length) throw new Error(`the tarball ships test or source files: ${leaked.join(', ')}`);

const versions = JSON.parse(readFileSync(join(root, 'apps/receiver/package.json'), 'utf8')).dependencies;
const pick = (...names) => Object.fromEntries(names.map((n) => [n, versions[n]]));
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({
    name: 'pack-check-app',
    private: true,
    type: 'module',
    dependencies: {
      'nestjs-webhooks': `file:./${packed.filename}`,
      ...pick(
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/platform-express',
        '@nestjs/event-emitter',
        'class-validator',
        'class-transformer',
        'reflect-metadata',
        'rxjs',
      ),
    },
  }),
);
writeFileSync(
  join(app, 'app.mjs'),
  `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { WebhooksModule } from 'nestjs-webhooks';
import { signInkit } from 'nestjs-webhooks/testing';

class AppModule {}
Module({ imports: [EventEmitterModule.forRoot({ wildcard: true }), WebhooksModule.forRoot({ providers: { inkit: { secret: 's3cr3t' } } })] })(AppModule);
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const url = \`http://127.0.0.1:\${app.getHttpServer().address().port}/webhooks/inkit\`;
const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: 'doc_1' });
const good = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signInkit(body, { secret: 's3cr3t' }) }, body });
const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signInkit(body, { secret: 'guess' }) }, body });
await app.close();
if (good.status !== 200 || (await good.text()) !== 'OK' || bad.status !== 401) throw new Error(\`unexpected replies \${good.status} / \${bad.status}\`);
console.log('pack check: a fresh app installed the tarball, verified a delivery and refused a forged one');
`,
);
writeFileSync(
  join(app, 'types.ts'),
  `import { WebhooksModule, type WebhookEvent, type InkitWebhookDto } from 'nestjs-webhooks';
import { signInkit } from 'nestjs-webhooks/testing';
export const check: [typeof WebhooksModule, WebhookEvent<InkitWebhookDto> | undefined, typeof signInkit] = [WebhooksModule, undefined, signInkit];
`,
);
try {
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
  run(process.execPath, ['app.mjs'], app);
  // Types resolve through the exports map under NodeNext, as a TypeScript user would compile.
  run(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2023',
      '--experimentalDecorators',
      '--skipLibCheck',
      'types.ts',
    ],
    app,
  );
  run(process.execPath, [join(app, 'node_modules/.bin/nestjs-webhooks'), '--help'], app);
  console.log(
    `pack check: ${packed.filename}, ${files.length} files, ${packed.size} bytes; types and bin resolve`,
  );
} finally {
  rmSync(app, { recursive: true, force: true });
}
