import { describe, expect, it } from '@jest/globals';
import { RECORD_TABLES } from '../database/index.js';
import { RECEIVER_SENDERS } from './index.js';

describe("the receiver's senders", () => {
  const ids = RECEIVER_SENDERS.map(({ env }) => env.sender.id);

  it('lists each sender once, each with a record table', () => {
    expect(new Set(ids).size).toBe(ids.length);
    expect(RECORD_TABLES.map((table) => table.sender)).toEqual(ids);
  });

  it('gives each variable to one sender only', () => {
    const variables = RECEIVER_SENDERS.flatMap(({ env }) => env.variables);
    expect(new Set(variables).size).toBe(variables.length);
  });
});
