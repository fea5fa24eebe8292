import { defineConfig } from 'drizzle-kit';

// Paths are relative to the repository root, where `npx drizzle-kit generate --config
// apps/receiver/drizzle.config.ts` is run.
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/receiver/src/database/schema.ts',
  out: './apps/receiver/drizzle',
});
