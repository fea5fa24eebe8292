import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Longest string accepted where a sender's id becomes a record key or part of an idempotency key.
 * A PostgreSQL btree index refuses an entry over ~2.7 KB (a third of a page), which would fail the
 * handler on every retry; an idempotency key joins two such fields and a prefix. 256 UTF-16 units
 * are at most 768 bytes of UTF-8, so two still fit with room to spare, while the longest id any
 * vendor's page shows is 26 characters (Inkit's `doc_2N0X2g4f3b1JJU75fqzDZs`) and a UUID is 36.
 */
export const MAX_IDENTIFIER_LENGTH = 256;

/**
 * At most MAX_IDENTIFIER_LENGTH UTF-16 units when a string (other types are left to the field's
 * other constraints). Counted as `length`, not as class-validator's MaxLength counts: that one
 * discounts surrogate pairs and variation selectors, so its 256 could be 1.8 KB of UTF-8.
 */
export function IsBoundedIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBoundedIdentifier',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value.length <= MAX_IDENTIFIER_LENGTH,
        defaultMessage: () =>
          `$property must be shorter than or equal to ${MAX_IDENTIFIER_LENGTH} characters`,
      },
    },
    options,
  );
}
