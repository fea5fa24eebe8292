import { describe, expect, it } from '@jest/globals';
import { WebhookConfigurationError } from './schemes/index.js';
import { WebhooksRegistry } from './webhooks.registry.js';
import type { WebhookIdempotencyOptions } from './webhooks.options.js';

const DAY = 24 * 60 * 60 * 1000;
const registry = (idempotency?: WebhookIdempotencyOptions) =>
  new WebhooksRegistry({ providers: { inkit: { secret: 's' }, oxskyt: { secret: 's' } }, idempotency });

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
      [{ 'stripe.charge': 1_000 }, 'idempotency.ttlByEvent["stripe.charge"]'],
      [{ DOCUMENT_PDF_ACCESS: 1_000 }, 'idempotency.ttlByEvent["DOCUMENT_PDF_ACCESS"]'],
      [{ 'inkit.a.b': 1_000 }, 'idempotency.ttlByEvent["inkit.a.b"]'],
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
