import { afterEach, beforeEach, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';

/**
 * What Nest's loggers print at the given levels during each test of the calling suite, as
 * `LEVEL message` lines (`WARN Redis is down: …`), printed nowhere else. Registers its own
 * beforeEach and afterEach; the array is emptied before every test.
 */
export function captureLogs(levels: readonly ('log' | 'warn' | 'error')[] = ['warn']): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    for (const level of levels) {
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        lines.push(`${level.toUpperCase()} ${String(message)}`);
      });
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return lines;
}
