import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEFAULT_POSTGRES_URL, generateClients } from '../src/tooling.ts';
import type { PrismaClient as FixturePrismaClient } from './fixtures/generated/client.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const FIXTURE_SCHEMA = join(FIXTURES, 'schema.prisma');
export const FIXTURE_MIGRATIONS = join(FIXTURES, 'migrations');

/** The local Postgres server the tests make throw-away databases on. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL || DEFAULT_POSTGRES_URL;

export type PrismaClient = FixturePrismaClient;

/** Generates the fixture client (skipped when up to date) and loads it. */
export async function loadFixtureClient(): Promise<typeof import('./fixtures/generated/client.ts').PrismaClient> {
  await generateClients([FIXTURE_SCHEMA]);
  return (await import('./fixtures/generated/client.ts')).PrismaClient;
}

/** A fresh database for one test file; `drop` removes it even if connections are left open. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `omniroute_dbtest_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined) };
}

export async function adminQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = POSTGRES_URL): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const tempDirs: string[] = [];

/** A new empty temp dir, removed by removeTempDirs(). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omniroute-db-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of a folder in a new temp dir, for tests that edit it. */
export function copyToTemp(dir: string): string {
  const copy = join(tempDir(), 'copy');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}
