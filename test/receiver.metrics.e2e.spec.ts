import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { BullmqWebhookQueue } from 'nestjs-webhooks/bullmq';
import request from 'supertest';
import type { ReceiverEnv } from '../apps/receiver/src/app.module.js';
import { createReceiver } from '../apps/receiver/src/bootstrap.js';
import { describeIf } from './support/needs.js';
import { parsePrometheus, type PrometheusScrape } from './support/prometheus.js';
import { receiverSenderEnv, samples, type Sender } from './support/senders.js';
import { cleanRedis, queueEnv } from './support/queue-env.js';

const ADMIN_TOKEN = 'metrics-admin-token-4e1d';
const redisUrl = process.env.REDIS_URL_TEST;

const senderEnv: ReceiverEnv = receiverSenderEnv();

const sampleOf = (sender: Sender) => samples.find((sample) => sample.sender === sender)!;

/** The app's answers: deliveries as a sender sends them, and /metrics as Prometheus asks for it. */
function client(app: INestApplication) {
  const http = () => request(app.getHttpServer());
  return {
    deliver: (sender: Sender, n: number, how: 'sign' | 'forge' = 'sign') => {
      const sample = sampleOf(sender);
      const body = JSON.stringify(sample.vary(n));
      return http()
        .post(sample.path)
        .set('Content-Type', 'application/json')
        .set(sample[how](body))
        .send(body);
    },
    metricsAs: (authorization?: string) => {
      const asked = http().get('/metrics');
      return authorization === undefined ? asked : asked.set('Authorization', authorization);
    },
    scrape: async (): Promise<PrometheusScrape> => {
      const reply = await http().get('/metrics').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
      expect(reply.status).toBe(200);
      return parsePrometheus(reply.text);
    },
  };
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('GET /metrics (inline processing)', () => {
  let app: INestApplication;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    app = await createReceiver({
      env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ADMIN_TOKEN },
      logger: false,
    });
    await app.init();
    api = client(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a scrape without the admin token, or with another', async () => {
    const without = await api.metricsAs();
    expect(without.status).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer');
    expect(without.text).not.toContain('webhooks_');
    expect((await api.metricsAs('Bearer not-the-token')).status).toBe(401);
  });

  it('counts accepted, duplicate and rejected deliveries by sender, with their durations', async () => {
    for (const sample of samples) expect((await api.deliver(sample.sender, 61)).status).toBe(200);
    expect((await api.deliver('inkit', 61)).status).toBe(200);
    expect((await api.deliver('inkit', 62, 'forge')).status).toBe(401);
    expect((await request(app.getHttpServer()).post('/webhooks/nobody').send('{}')).status).toBe(404);

    const reply = await api.metricsAs(`Bearer ${ADMIN_TOKEN}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    const scraped = parsePrometheus(reply.text);

    for (const { sender } of samples) {
      expect(scraped.value('webhooks_deliveries_total', { sender, outcome: 'accepted' })).toBe(1);
      const labels = { sender, outcome: 'accepted' };
      expect(scraped.value('webhooks_delivery_duration_seconds_count', labels)).toBe(1);
      expect(scraped.value('webhooks_delivery_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(1);
      expect(scraped.value('webhooks_delivery_duration_seconds_sum', labels)).toBeGreaterThan(0);
    }
    expect(scraped.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'duplicate' })).toBe(1);
    expect(scraped.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'rejected' })).toBe(1);
    expect(
      scraped.value('webhooks_delivery_duration_seconds_count', { sender: 'inkit', outcome: 'rejected' }),
    ).toBe(1);
    expect(scraped.all('webhooks_duplicates_total')).toEqual([
      { name: 'webhooks_duplicates_total', labels: { sender: 'inkit' }, value: 1 },
    ]);
    // Every sample of the deliveries counter accounted for: one per sender, plus the two above.
    expect(scraped.all('webhooks_deliveries_total')).toHaveLength(samples.length + 2);
    // A path naming no configured sender is answered 404 and reported nowhere: no label for it.
    expect(scraped.samples.filter((sample) => sample.labels.sender === 'nobody')).toEqual([]);
    expect(scraped.types.get('webhooks_delivery_duration_seconds')).toBe('histogram');
    // The process metrics, by their standard names; no queue gauges without a queue.
    expect(scraped.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect([...scraped.types.keys()].filter((name) => name.startsWith('webhooks_queue'))).toEqual([]);
  });
});

describe('GET /metrics without ADMIN_TOKEN', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createReceiver({ env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://' }, logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers loopback clients, and refuses one that came through a proxy', async () => {
    const http = () => request(app.getHttpServer());
    const reply = await http().get('/metrics');
    expect(reply.status).toBe(200);
    expect(parsePrometheus(reply.text).types.get('webhooks_deliveries_total')).toBe('counter');
    expect((await http().get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(403);
  });
});

describeIf(redisUrl, 'Redis')('GET /metrics in queue mode', () => {
  describe('role all', () => {
    let app: INestApplication;
    let api: ReturnType<typeof client>;
    const env = queueEnv(redisUrl);

    beforeAll(async () => {
      app = await createReceiver({
        env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ADMIN_TOKEN, ...env, RECEIVER_ROLE: 'all' },
        logger: false,
      });
      await app.init();
      api = client(app);
    });
    afterAll(async () => {
      await app?.close();
      await cleanRedis(redisUrl!, env);
    });

    it("shows the queue's depth while no worker takes the deliveries, and the workers' outcomes after", async () => {
      const queue = app.get(BullmqWebhookQueue).queue;
      const empty = await api.scrape();
      expect(empty.value('webhooks_queue_up')).toBe(1);
      expect(empty.value('webhooks_queue_jobs', { state: 'waiting' })).toBe(0);
      expect(empty.value('webhooks_queue_dead_letters')).toBe(0);

      await queue.pause();
      try {
        expect((await api.deliver('inkit', 71)).status).toBe(200);
        expect((await api.deliver('stripe', 71)).status).toBe(200);
        const paused = await api.scrape();
        expect(paused.value('webhooks_queue_up')).toBe(1);
        expect(paused.value('webhooks_queue_jobs', { state: 'waiting' })).toBe(2);
        expect(paused.value('webhooks_queue_jobs', { state: 'active' })).toBe(0);
        expect(paused.value('webhooks_queue_jobs', { state: 'delayed' })).toBe(0);
        expect(paused.value('webhooks_queue_dead_letters')).toBe(0);
        expect(paused.types.get('webhooks_queue_jobs')).toBe('gauge');
        expect(paused.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'queued' })).toBe(1);
        expect(paused.value('webhooks_deliveries_total', { sender: 'stripe', outcome: 'queued' })).toBe(1);
        expect(paused.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'processed' })).toBe(
          undefined,
        );
      } finally {
        await queue.resume();
      }

      const done = await until(async () => {
        const scraped = await api.scrape();
        const processed = ['inkit', 'stripe'].map((sender) =>
          scraped.value('webhooks_deliveries_total', { sender, outcome: 'processed' }),
        );
        return processed.every((count) => count === 1) && scraped;
      }, 'both processed');
      expect(
        done.value('webhooks_delivery_duration_seconds_count', { sender: 'inkit', outcome: 'processed' }),
      ).toBe(1);
      const depth = await until(async () => {
        const scraped = await api.scrape();
        return scraped.value('webhooks_queue_jobs', { state: 'active' }) === 0 && scraped;
      }, 'no job active');
      expect(depth.value('webhooks_queue_jobs', { state: 'waiting' })).toBe(0);
      expect(depth.value('webhooks_queue_dead_letters')).toBe(0);
      expect(depth.value('webhooks_queue_up')).toBe(1);
    });
  });

  describe('roles api and worker on one queue', () => {
    const apps: INestApplication[] = [];
    const env = queueEnv(redisUrl);

    const start = async (role: 'api' | 'worker') => {
      const app = await createReceiver({
        env: { ...senderEnv, PGLITE_DATA_DIR: 'memory://', ADMIN_TOKEN, ...env, RECEIVER_ROLE: role },
        logger: false,
      });
      apps.push(app);
      await app.init();
      return client(app);
    };
    afterAll(async () => {
      for (const app of apps) await app.close();
      await cleanRedis(redisUrl!, env);
    });

    it('serves each role its own outcomes, behind the admin token, the worker included', async () => {
      const api = await start('api');
      const worker = await start('worker');
      expect((await worker.metricsAs()).status).toBe(401);

      expect((await api.deliver('inkit', 81)).status).toBe(200);
      expect((await api.deliver('inkit', 81)).status).toBe(200);
      const fromWorker = await until(async () => {
        const scraped = await worker.scrape();
        return (
          scraped.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'processed' }) === 1 &&
          scraped
        );
      }, "the worker's processed outcome");
      expect(fromWorker.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'queued' })).toBe(
        undefined,
      );
      expect(fromWorker.value('webhooks_queue_up')).toBe(1);
      expect(fromWorker.value('webhooks_queue_dead_letters')).toBe(0);

      const fromApi = await api.scrape();
      expect(fromApi.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'queued' })).toBe(1);
      // The copy sent again while its job was known to the queue, or after it ran: a duplicate either way.
      expect(fromApi.value('webhooks_duplicates_total', { sender: 'inkit' })).toBe(1);
      expect(fromApi.value('webhooks_deliveries_total', { sender: 'inkit', outcome: 'processed' })).toBe(
        undefined,
      );
      expect(fromApi.value('webhooks_queue_up')).toBe(1);
    });
  });
});
