import { describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { DatabaseModule, DRIZZLE, RecordsRepository } from '../../apps/receiver/src/database/index.js';

describe('DatabaseModule', () => {
  it('migrates on init, serves the repository and closes the client on shutdown', async () => {
    // A stub rather than ConfigModule.forRoot: the runner's own DATABASE_URL must not leak in.
    const env: Record<string, string> = { PGLITE_DATA_DIR: 'memory://' };
    const moduleRef = await Test.createTestingModule({ imports: [DatabaseModule] })
      .overrideProvider(ConfigService)
      .useValue({ get: (key: string) => env[key] })
      .compile();
    const app = await moduleRef.init();

    const repo = app.get(RecordsRepository);
    expect(app.get(DRIZZLE)).toBeDefined();
    await repo.ping();
    expect(await repo.countRecords('inkit')).toBe(0);

    await app.close();
    await expect(repo.ping()).rejects.toThrow();
  });
});
