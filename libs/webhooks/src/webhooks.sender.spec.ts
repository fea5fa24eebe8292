import { describe, expect, it } from '@jest/globals';
import { ACCEPTED, WebhookConfigurationError } from './schemes/index.js';
import { defineWebhookSender, idempotencyKeyOf, type WebhookSenderSpec } from './webhooks.sender.js';

class PingDto {
  id!: string;
}

const spec: WebhookSenderSpec<'acme', { token: string }, PingDto, 'PING'> = {
  id: 'acme',
  credentialHeaders: ['X-Acme-Token'],
  verifier: () => () => ACCEPTED,
  sign: (_body, signing) => ({ 'X-Acme-Token': signing.token }),
  dto: PingDto,
  eventTypes: ['PING'],
  eventType: () => 'PING',
  idempotencyKey: (payload) => [payload.id],
  sample: { payload: { id: '1' } },
};

/** The option a definition error names, or undefined when the definition was accepted. */
function refused(changes: Record<string, unknown>): string | undefined {
  try {
    defineWebhookSender({ ...spec, ...changes } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    return (error as WebhookConfigurationError).option;
  }
  return undefined;
}

describe('defineWebhookSender', () => {
  it('accepts a complete definition, lower-cases its credential headers and freezes it', () => {
    const acme = defineWebhookSender(spec);
    expect(acme.credentialHeaders).toEqual(['x-acme-token']);
    expect(Object.isFrozen(acme)).toBe(true);
    const configured = acme.configure({ token: 't' });
    expect(configured).toEqual({ id: 'acme', definition: acme, credentials: { token: 't' } });
    expect(Object.isFrozen(configured)).toBe(true);
  });

  it.each([
    [{ id: 'Acme' }, 'defineWebhookSender("Acme").id'],
    [{ id: 'ac.me' }, 'defineWebhookSender("ac.me").id'],
    [{ id: '-acme' }, 'defineWebhookSender("-acme").id'],
    [{ id: 'a'.repeat(41) }, `defineWebhookSender("${'a'.repeat(41)}").id`],
    [{ credentialHeaders: [] }, 'defineWebhookSender("acme").credentialHeaders'],
    [{ credentialHeaders: ['X Sig'] }, 'defineWebhookSender("acme").credentialHeaders'],
    [{ verifier: undefined }, 'defineWebhookSender("acme").verifier'],
    [{ sign: 'no' }, 'defineWebhookSender("acme").sign'],
    [{ idempotencyKey: undefined }, 'defineWebhookSender("acme").idempotencyKey'],
    [{ dto: {} }, 'defineWebhookSender("acme").dto'],
    [{ eventType: 'header' }, 'defineWebhookSender("acme").eventType'],
    [{ eventTypes: ['order..created'] }, 'defineWebhookSender("acme").eventTypes'],
    [{ eventTypes: ['.order'] }, 'defineWebhookSender("acme").eventTypes'],
    [{ eventTypes: ['order created'] }, 'defineWebhookSender("acme").eventTypes'],
    [{ ttlByEvent: { 'a b': 1 } }, 'defineWebhookSender("acme").eventTypes'],
    [{ sample: {} }, 'defineWebhookSender("acme").sample.payload'],
    // Events from the route need the sample's event, so the CLI and tests know where to send it.
    [{ eventType: 'route' }, 'defineWebhookSender("acme").sample.event'],
  ])('refuses %p, naming %s', (changes, option) => {
    expect(refused(changes)).toBe(option);
  });

  it('takes a route-named event with its sample event', () => {
    expect(refused({ eventType: 'route', sample: { payload: {}, event: 'PING' } })).toBeUndefined();
  });
});

describe('idempotencyKeyOf', () => {
  it("puts the sender's id first and escapes each part, so no part can pass for a separator", () => {
    expect(idempotencyKeyOf('acme', ['a', 'b'])).toBe('acme:a:b');
    expect(idempotencyKeyOf('acme', ['a:b'])).toBe('acme:a%3Ab');
    expect(idempotencyKeyOf('acme', ['a:b'])).not.toBe(idempotencyKeyOf('acme', ['a', 'b']));
    expect(idempotencyKeyOf('acme', ['%3A'])).toBe('acme:%253A');
  });
});
