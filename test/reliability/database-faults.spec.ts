import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from '../support/postgres.js';
import { describeIf } from '../support/needs.js';
import { ReceiverProcess } from '../support/child.js';
import { credentials, samples } from '../support/senders.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { post } from './redis.js';

const adminUrl = process.env.DATABASE_URL_TEST;
if (!adminUrl && process.env.CI === 'true') {
  throw new Error('DATABASE_URL_TEST must be set in CI: these tests need a PostgreSQL server');
}
const describePostgres = describeIf(adminUrl, 'PostgreSQL');

const inkit = samples.find((sample) => sample.sender === 'inkit')!;
// /health's answers (terminus's shape): the database is its one dependency here.
const healthy = {
  status: 'ok',
  info: { database: { status: 'up' } },
  error: {},
  details: { database: { status: 'up' } },
};
const unhealthy = {
  status: 'error',
  info: {},
  error: { database: { status: 'down' } },
  details: { database: { status: 'down' } },
};
// Inserting one of these sleeps in the database, long enough for the test to cut it off.
const SLOW = 'slow-';
const SLOW_TRIGGER = `
  create function slow_insert() returns trigger language plpgsql as $$
  begin
    if new.resource_id like '${SLOW}%' then perform pg_sleep(30); end if;
    return new;
  end $$;
  create trigger slow_insert before insert on inkit_documents for each row execute function slow_insert();`;

describePostgres('the receiver when PostgreSQL drops its connections', () => {
  let scratch: ScratchDatabase;
  let admin: pg.Client;
  let proxy: TcpProxy;
  let receiver: ReceiverProcess;
  let url: string;
  let n = 0;

  beforeAll(async () => {
    scratch = await createScratchDatabase(adminUrl!, 'receiver_faults');
    const target = new URL(scratch.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    ({ child: receiver, url } = await ReceiverProcess.start({
      DATABASE_URL: TcpProxy.redirect(scratch.url, proxy),
      INKIT_WEBHOOK_SECRET: credentials.inkit,
    }));
    // Straight to the server, not through the proxy: the test's own view of the database.
    admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    await admin.query(SLOW_TRIGGER);
  }, 60_000);

  afterAll(async () => {
    await receiver?.stop();
    await admin?.end();
    await proxy?.close();
    await scratch?.drop();
  });

  /** The reply's status, or why there was none (the process died, most likely). */
  const deliver = async (resourceId = `doc-${++n}`): Promise<number | string> => {
    const body = JSON.stringify({ event_type: 'DOCUMENT_CREATE_FINISHED', resource_id: resourceId });
    try {
      return (await post(url + inkit.path, body, inkit.sign(body))).status;
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return `no reply (${String(error)}), receiver exited: ${JSON.stringify(receiver.exited)}\n${receiver.stderr}`;
    }
  };
  const health = async () => {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  const linesOf = (tag: string) => receiver.output.split('\n').filter((line) => line.includes(tag));

  /** The pid of the backend running a slow insert, once it is in its sleep. */
  async function sleepingBackend(): Promise<number> {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const { rows } = await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity
         where datname = current_database() and wait_event = 'PgSleep' and pid <> pg_backend_pid()`,
      );
      if (rows.length > 0) return rows[0].pid;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no slow insert seen in pg_stat_activity\nchild output:\n${receiver.output}`);
  }

  it('answers 500 to a delivery whose query is cut by pg_terminate_backend, stays up, and answers the next 200', async () => {
    const cut = `${SLOW}${++n}`;
    const reply = deliver(cut);
    const pid = await sleepingBackend();
    await admin.query('select pg_terminate_backend($1)', [pid]);

    expect(await reply).toBe(500);
    expect(await deliver()).toBe(200);
    expect(receiver.exited).toBeUndefined();
    expect(await health()).toEqual({ status: 200, body: healthy });

    // Logged once, on one line, with the server's reason and nothing of the delivery's data.
    const dropped = linesOf('PostgreSQL connection dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatch(
      /WARN \[Database\] PostgreSQL connection dropped: terminating connection due to administrator command$/,
    );
    expect(receiver.output).not.toContain(cut);
    expect(receiver.output).not.toMatch(/params:/);
  });

  it('answers 500 and /health 503 while PostgreSQL is gone, then recovers by itself', async () => {
    expect(await deliver()).toBe(200);
    // A query in flight when the server goes, as in a restart or a failover.
    const inFlight = deliver(`${SLOW}${++n}`);
    await sleepingBackend();
    proxy.drop();

    expect(await inFlight).toBe(500);
    expect(await health()).toEqual({ status: 503, body: unhealthy });
    expect(await deliver()).toBe(500);
    expect(receiver.exited).toBeUndefined();

    proxy.forward();
    expect(await health()).toEqual({ status: 200, body: healthy });
    expect(await deliver()).toBe(200);
    expect(receiver.exited).toBeUndefined();

    // The operator's view: when it went and when it came back, once each.
    expect(linesOf('[Health]')).toEqual([
      expect.stringMatching(/WARN \[Health\] Database is down: .+$/),
      expect.stringMatching(/LOG \[Health\] Database is up again$/),
    ]);
    expect(linesOf('PostgreSQL connections succeed again').length).toBeGreaterThan(0);
  });
});
