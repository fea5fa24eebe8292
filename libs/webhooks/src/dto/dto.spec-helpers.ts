import { validatePayload } from './validate.js';

/** The validated value, or a test failure listing why it was refused. */
export async function valueOf<T extends object>(dto: new () => T, plain: unknown): Promise<T> {
  const result = validatePayload(dto, plain);
  if (!result.ok) throw new Error(`expected a valid payload, got: ${result.errors.join('; ')}`);
  return result.value;
}

/** The errors, or a test failure when the payload was accepted. */
export async function errorsOf<T extends object>(dto: new () => T, plain: unknown): Promise<string[]> {
  const result = validatePayload(dto, plain);
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.errors;
}
