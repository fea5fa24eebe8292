import { defineConfig } from 'drizzle-kit';

// Paths are relative to the repository root, where `npx drizzle-kit generate --config
// apps/receiver/drizzle.config.ts` is run. schema.ts holds the delivery log and re-exports each
// sender's record table from its folder (src/senders/<id>/<id>.table.ts), so this one file is all
// drizzle-kit needs to read.
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/receiver/src/database/schema.ts',
  out: './apps/receiver/drizzle',
});
