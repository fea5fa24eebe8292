import { plainToInstance, type ClassTransformOptions } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';

export type PayloadValidation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

// Built once: this runs for every delivery.
const TRANSFORM_OPTIONS: ClassTransformOptions = Object.freeze({
  // Fields a vendor adds later are kept, and types are only converted where a DTO says so.
  excludeExtraneousValues: false,
  enableImplicitConversion: false,
});

const VALIDATOR_OPTIONS: ValidatorOptions = Object.freeze({
  // Unknown fields are kept and accepted: vendors add fields without notice, and refusing
  // them would turn each addition into an outage with endless retries.
  whitelist: false,
  forbidUnknownValues: false,
  // The errors are only flattened to messages: keeping the objects and values they point at
  // would cost memory and risk copying payload data into logs.
  validationError: Object.freeze({ target: false, value: false }),
});

const NOT_AN_OBJECT: readonly string[] = Object.freeze(['body must be a JSON object']);
const TOO_DEEP: readonly string[] = Object.freeze(['body is nested too deeply']);

/** A 400 response listing thousands of lines helps nobody and costs the sender a large read. */
const MAX_ERRORS = 50;

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function collect(errors: readonly ValidationError[], parent: string, out: string[]): void {
  for (const error of errors) {
    if (out.length > MAX_ERRORS) return;
    const path = parent === '' ? error.property : `${parent}.${error.property}`;
    if (error.constraints) {
      for (const kind in error.constraints) {
        out.push(pathMessage(kind, error.constraints[kind], error.property, path));
      }
    }
    if (error.children && error.children.length > 0) collect(error.children, path, out);
  }
}

/**
 * class-validator's messages start with the bare property name; the full path replaces it
 * so a nested failure reads `items.0.stepAction must be ...`.
 */
function pathMessage(kind: string, message: string, property: string, path: string): string {
  // Its default message names the array, not the element that is wrong.
  if (kind === 'nestedValidation') return `${path} must be an object`;
  // The property's name, or a member of it (`metadata.id must ...`), is replaced by the path.
  if (message.startsWith(`${property} `) || message.startsWith(`${property}.`)) {
    return path + message.slice(property.length);
  }
  return `${path}: ${message}`;
}

/**
 * Turns a parsed JSON body into an instance of `dto` and validates it. Fields the DTO does
 * not declare are kept on the instance. On failure, `errors` holds one message per failing
 * constraint, each starting with the field's path, ready for a 400 response.
 *
 * Synchronous: the sender DTOs are this library's own and none has an asynchronous constraint
 * (a spec walks them all), and validateSync spares each delivery class-validator's promises.
 */
export function validatePayload<T extends object>(dto: new () => T, plain: unknown): PayloadValidation<T> {
  // Arrays, null and primitives would otherwise become an empty instance (or an array of
  // them) that could pass a DTO with no required fields.
  if (!isPlainObject(plain)) return { ok: false, errors: [...NOT_AN_OBJECT] };
  let value: T;
  try {
    value = plainToInstance(dto, plain, TRANSFORM_OPTIONS);
  } catch (error) {
    // class-transformer recurses once per nesting level: a hostile body nested deeply enough
    // overflows the stack. That is the sender's fault, not a server error.
    if (error instanceof RangeError) return { ok: false, errors: [...TOO_DEEP] };
    throw error;
  }
  const failures = validateSync(value, VALIDATOR_OPTIONS);
  if (failures.length === 0) return { ok: true, value };
  const errors: string[] = [];
  collect(failures, '', errors);
  if (errors.length > MAX_ERRORS) {
    errors.length = MAX_ERRORS;
    errors.push('... more errors left out');
  }
  return { ok: false, errors };
}
