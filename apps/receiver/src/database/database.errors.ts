/**
 * What a failed query becomes before anyone logs it. Drizzle's own error message is the query and
 * all its parameters (a whole payload, up to the body limit), and it hides the database's reason
 * in `cause`: this keeps the reason and its SQLSTATE, and nothing of the data. The original is
 * not attached as `cause`, since loggers print cause chains.
 */
export class DatabaseWriteError extends Error {
  override readonly name = 'DatabaseWriteError';

  constructor(
    readonly operation: string,
    /** SQLSTATE, when the database gave one (`23505` unique violation, `57P01` admin shutdown, …). */
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${operation} failed: ${reason}${code ? ` (SQLSTATE ${code})` : ''}`);
  }

  static from(operation: string, error: unknown): DatabaseWriteError {
    // The database's own error is the innermost one that says something.
    let inner: unknown = error;
    while (isError(inner) && isError(inner.cause)) inner = inner.cause;
    const raw = isError(inner) ? (inner as { code?: unknown }).code : undefined;
    const code = typeof raw === 'string' ? raw : undefined;
    const message = isError(inner) ? inner.message : String(inner);
    // A message that still quotes the query (a driver that puts it there) is cut before it.
    return new DatabaseWriteError(operation, code, firstLine(message).slice(0, 300));
  }
}

const isError = (value: unknown): value is Error => value instanceof Error;

function firstLine(text: string): string {
  const cut = text.search(/\r|\n|\bparams:/);
  return (cut === -1 ? text : text.slice(0, cut)).trim() || 'unknown database error';
}
