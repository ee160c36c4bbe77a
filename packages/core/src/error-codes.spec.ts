import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserErrorCode } from './error-codes.ts';
import { fail, userError } from './errors.ts';

const subgraphs = fileURLToPath(new URL('../../../subgraphs', import.meta.url));
const graphqlFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? graphqlFiles(join(dir, e.name)) : e.name.endsWith('.graphql') ? [join(dir, e.name)] : []));

describe('UserErrorCode: one table of business failure codes', () => {
  it('maps every code to itself (the wire value is the key)', () => {
    for (const [k, v] of Object.entries(UserErrorCode)) expect(v).toBe(k);
  });
  it('holds every value of the SDL enums that document a domain\'s codes', () => {
    const enums = graphqlFiles(subgraphs).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/enum (\w+ErrorCode) \{([^}]*)\}/g)]);
    expect(enums.length).toBeGreaterThan(0);
    for (const [, name, body] of enums) {
      const values = body!.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z_]+$/.test(l));
      expect(values.filter((v) => !(v in UserErrorCode)), name).toEqual([]);
    }
  });
  it('is what userError and fail write', () => {
    expect(userError(UserErrorCode.INVALID_INPUT, 'bad', ['input'])).toEqual({ code: 'INVALID_INPUT', message: 'bad', field: ['input'] });
    expect(fail(UserErrorCode.NOT_FOUND, 'gone')).toEqual({ ok: false, errors: [{ code: 'NOT_FOUND', message: 'gone', field: null }] });
  });
});
