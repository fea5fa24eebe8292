import { describe, expect, it } from '@jest/globals';
import { ACCEPTED, WebhookConfigurationError } from './schemes/index.js';
import { inkitSender } from './senders/inkit/inkit.sender.js';
import { oxskytSender } from './senders/oxskyt/oxskyt.sender.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import type { WebhookIdempotencyOptions, WebhooksModuleOptions } from './webhooks.options.js';
import { defineWebhookSender } from './webhooks.sender.js';

const DAY = 24 * 60 * 60 * 1000;
const registry = (idempotency?: WebhookIdempotencyOptions) =>
  new WebhooksRegistry({
    senders: [inkitSender.configure({ secret: 's' }), oxskytSender.configure({ secret: 's' })],
    idempotency,
  });

class AcmeDto {
  id!: string;
}
const acme = (verifier: () => () => never | typeof ACCEPTED = () => () => ACCEPTED) =>
  defineWebhookSender({
    id: 'acme',
    credentialHeaders: ['X-Acme-Token'],
    verifier: (_credentials: { token: string }) => verifier(),
    sign: (_body, signing: { token: string }) => ({ 'X-Acme-Token': signing.token }),
    dto: AcmeDto,
    eventType: () => 'PING',
    idempotencyKey: (payload) => [payload.id],
    sample: { payload: { id: '1' } },
  });

const optionOf = (make: () => unknown): string | undefined => {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    return (error as WebhookConfigurationError).option;
  }
  return undefined;
};

describe('WebhooksRegistry: the senders option', () => {
  const of = (senders: unknown) => () => new WebhooksRegistry({ senders } as WebhooksModuleOptions);

  it('refuses anything but a list of configured senders, naming the entry', () => {
    expect(optionOf(of(undefined))).toBe('senders');
    expect(optionOf(of({ inkit: { secret: 's' } }))).toBe('senders');
    // The definition itself, without credentials: the message says to call configure().
    expect(() => of([inkitSender])()).toThrow(/senders\[0\].*inkitSender\.configure/);
    expect(optionOf(of([inkitSender.configure({ secret: 's' }), { id: 'x' }]))).toBe('senders[1]');
    expect(
      optionOf(of([inkitSender.configure({ secret: 's' }), inkitSender.configure({ secret: 't' })])),
    ).toBe('senders[1]');
  });

  it("names a bad credential by the sender's id", () => {
    expect(optionOf(of([inkitSender.configure({ secret: '' })]))).toBe('senders.inkit.secret');
    expect(optionOf(of([acme().configure({ token: 't' }), oxskytSender.configure({} as never)]))).toBe(
      'senders.oxskyt.secret',
    );
  });

  it('serves an empty list (nothing configured)', () => {
    expect(new WebhooksRegistry({ senders: [] }).configured()).toEqual([]);
  });

  it("redacts every sender's credential headers, configured or not, and captures the configured ones'", () => {
    const r = new WebhooksRegistry({ senders: [acme().configure({ token: 't' })] });
    for (const name of ['x-acme-token', 'inkit-signature', 'x-signature', 'authorization', 'cookie']) {
      expect([name, r.redactedHeaders.has(name)]).toEqual([name, true]);
    }
    expect(r.capturedHeaders).toEqual(['x-acme-token']);
    expect(r.knownIds).toEqual(expect.arrayContaining(['acme', 'inkit', 'illow']));
  });

  it("turns a user's verifier that throws into an 'unavailable' rejection, never an exception", () => {
    const r = new WebhooksRegistry({
      senders: [
        acme(() => () => {
          throw new Error('boom');
        }).configure({ token: 't' }),
      ],
    });
    expect(r.get('acme')!.verify!(Buffer.from('{}'), {})).toEqual({
      ok: false,
      reason: 'unavailable',
      message: 'the signature check could not run on this server',
    });
  });
});

describe('WebhooksRegistry: de-duplication window per event', () => {
  it("defaults: 60 s for Inkit's access events, ttlMs (24 h) for everything else", () => {
    const r = registry();
    for (const type of [
      'DOCUMENT_PDF_ACCESS',
      'MAGIC_LINK_ACCESS',
      'MAGIC_LINK_ACCESS_FAILED',
      'RENDER_METADATA_ACCESS',
    ]) {
      expect([type, r.ttlFor('inkit', `inkit.${type}`)]).toEqual([type, 60_000]);
    }
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_CREATE_FINISHED')).toBe(DAY);
    expect(r.ttlFor('inkit', 'inkit.SOME_FUTURE_EVENT')).toBe(DAY);
    expect(r.ttlFor('oxskyt', 'oxskyt.REPORT_GENERATED')).toBe(DAY);
  });

  it('a changed ttlMs moves the general window, not the access events', () => {
    const r = registry({ ttlMs: 7 * DAY });
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_CREATE_FINISHED')).toBe(7 * DAY);
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_PDF_ACCESS')).toBe(60_000);
  });

  it('ttlByEvent overrides by full event name, for built-in and other types alike', () => {
    const r = registry({
      ttlByEvent: { 'inkit.DOCUMENT_PDF_ACCESS': 300_000, 'inkit.DOCUMENT_CREATE_FINISHED': 1_000 },
    });
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_PDF_ACCESS')).toBe(300_000);
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_CREATE_FINISHED')).toBe(1_000);
    expect(r.ttlFor('inkit', 'inkit.MAGIC_LINK_ACCESS')).toBe(60_000);
    expect(r.ttlFor('inkit', 'inkit.FOLDER_CREATED')).toBe(DAY);
  });

  it('ttlByEvent by sender covers all its events; a full name still beats it', () => {
    const r = registry({ ttlByEvent: { inkit: 2 * DAY, 'inkit.MAGIC_LINK_ACCESS': 5_000 } });
    expect(r.ttlFor('inkit', 'inkit.FOLDER_CREATED')).toBe(2 * DAY);
    // The user's setting for the sender beats the library's own per-type default.
    expect(r.ttlFor('inkit', 'inkit.DOCUMENT_PDF_ACCESS')).toBe(2 * DAY);
    expect(r.ttlFor('inkit', 'inkit.MAGIC_LINK_ACCESS')).toBe(5_000);
    expect(r.ttlFor('oxskyt', 'oxskyt.REPORT_GENERATED')).toBe(DAY);
  });

  it('accepts a window for a sender that is not configured (shared options), and an undefined one', () => {
    const r = registry({ ttlByEvent: { 'illow.DSR_CREATED': 10, 'inkit.FOLDER_CREATED': undefined } });
    expect(r.ttlFor('illow', 'illow.DSR_CREATED')).toBe(10);
    expect(r.ttlFor('inkit', 'inkit.FOLDER_CREATED')).toBe(DAY);
  });

  describe('refuses a bad ttlByEvent at startup, naming the option', () => {
    it.each([
      [{ 'inkit.DOCUMENT_PDF_ACCESS': 0 }, 'idempotency.ttlByEvent["inkit.DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkit.DOCUMENT_PDF_ACCESS': -5 }, 'idempotency.ttlByEvent["inkit.DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkit.DOCUMENT_PDF_ACCESS': 1.5 }, 'idempotency.ttlByEvent["inkit.DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkit.DOCUMENT_PDF_ACCESS': '60000' }, 'idempotency.ttlByEvent["inkit.DOCUMENT_PDF_ACCESS"]'],
      [{ inkit: Number.NaN }, 'idempotency.ttlByEvent["inkit"]'],
      [{ 'paypal.charge': 1_000 }, 'idempotency.ttlByEvent["paypal.charge"]'],
      [{ DOCUMENT_PDF_ACCESS: 1_000 }, 'idempotency.ttlByEvent["DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkit.a..b': 1_000 }, 'idempotency.ttlByEvent["inkit.a..b"]'],
      [{ 'inkit.': 1_000 }, 'idempotency.ttlByEvent["inkit."]'],
      [[], 'idempotency.ttlByEvent'],
      [new Map([['inkit', 1_000]]), 'idempotency.ttlByEvent'],
      ['inkit', 'idempotency.ttlByEvent'],
    ])('%p', (ttlByEvent, option) => {
      let caught: unknown;
      try {
        registry({ ttlByEvent: ttlByEvent as never });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WebhookConfigurationError);
      expect((caught as WebhookConfigurationError).option).toBe(option);
      expect((caught as Error).message).toContain(option);
    });
  });
});
