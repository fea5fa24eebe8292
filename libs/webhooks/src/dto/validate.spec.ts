import { describe, expect, it } from '@jest/globals';
import { ShareCasesWithMetaDatasDto } from '../senders/certificall/certificall.dto.js';
import { InkitWebhookDto } from '../senders/inkit/inkit.dto.js';
import { OxskytReportDto } from '../senders/oxskyt/oxskyt.dto.js';
import { getMetadataStorage } from 'class-validator';
import { validatePayload } from './validate.js';

describe('validatePayload', () => {
  it.each([
    ['an array', [{ event_type: 'X', resource_id: 'r' }]],
    ['null', null],
    ['a string', '{"event_type":"X","resource_id":"r"}'],
    ['a number', 1],
    ['a Buffer', Buffer.from('{}')],
    ['a Date', new Date(0)],
  ])('refuses %s as a body', async (_what, plain) => {
    expect(validatePayload(InkitWebhookDto, plain)).toEqual({
      ok: false,
      errors: ['body must be a JSON object'],
    });
  });

  it('accepts an object without a prototype, as some parsers build', async () => {
    const plain = Object.assign(Object.create(null) as object, { event_type: 'X', resource_id: 'r' });
    const result = validatePayload(InkitWebhookDto, plain);
    expect(result.ok && result.value).toBeInstanceOf(InkitWebhookDto);
  });

  it('cannot be steered off the DTO by a __proto__ or constructor key', async () => {
    const plain: unknown = JSON.parse(
      '{"__proto__":{"event_type":"X"},"constructor":{"name":"x"},"resource_id":"r"}',
    );
    const result = validatePayload(InkitWebhookDto, plain);
    if (result.ok) throw new Error('expected the payload to be rejected');
    expect([...result.errors].sort()).toEqual([
      'event_type must be a string',
      'event_type should not be empty',
    ]);
    expect(({} as Record<string, unknown>).event_type).toBeUndefined();
  });

  it('answers a body nested deeply enough to exhaust the stack with an error, not a throw', async () => {
    const depth = 200_000;
    const plain: unknown = JSON.parse(`{"id":1,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(validatePayload(OxskytReportDto, plain)).toEqual({
      ok: false,
      errors: ['body is nested too deeply'],
    });
  });

  it('caps the number of messages', async () => {
    const items = Array.from({ length: 200 }, () => ({}));
    const result = validatePayload(ShareCasesWithMetaDatasDto, { items });
    if (result.ok) throw new Error('expected the payload to be rejected');
    expect(result.errors).toHaveLength(51);
    expect(result.errors[50]).toBe('... more errors left out');
    expect(result.errors[0]).toBe('cfRef must be a string');
  });

  it('hands each caller its own error list', async () => {
    const first = validatePayload(InkitWebhookDto, []);
    if (first.ok) throw new Error('expected the payload to be rejected');
    first.errors.push('changed by a caller');
    expect(validatePayload(InkitWebhookDto, [])).toEqual({
      ok: false,
      errors: ['body must be a JSON object'],
    });
  });
});

describe('the sender DTOs', () => {
  // validatePayload validates synchronously, which would skip an async constraint without a word.
  it('have no asynchronous constraint, nested classes included', async () => {
    const exported: unknown[] = Object.values(await import('../index.js'));
    const classes = exported.filter(
      (value): value is new () => object => typeof value === 'function' && /Dto$/.test(value.name),
    );
    const storage = getMetadataStorage();
    const constraints = classes.flatMap((dto) =>
      storage
        .getTargetValidationMetadatas(dto, '', true, false)
        .flatMap((metadata) =>
          metadata.constraintCls ? storage.getTargetValidatorConstraints(metadata.constraintCls) : [],
        ),
    );
    // Every DTO class of the built-ins is exported (nested ones included), so all of them are walked here.
    // 9 for the first five senders; GitHub 5 (its common properties), Stripe 3, Standard Webhooks 1.
    expect(classes.length).toBe(18);
    expect(constraints.length).toBeGreaterThan(50);
    expect(constraints.filter((constraint) => constraint.async).map((constraint) => constraint.name)).toEqual(
      [],
    );
  });
});
