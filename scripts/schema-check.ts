// Schema check: the API schema of the working tree's supergraph (schema/supergraph.graphql) against main's, with
// @graphql-inspector/core. Prints every change by criticality; exits 1 when one is BREAKING (unless
// --allow-breaking or SCHEMA_ALLOW_BREAKING=1).
//   npm run schema-check [-- --base <git ref>] [--allow-breaking]
// The base is --base, else SCHEMA_BASE, else `main`, else `origin/main`; on a clean clone where main is this very
// commit there is simply nothing to report. Without any of them (a detached, shallow checkout) it says so and
// compares with HEAD.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { apiSchemaOf, ROOT } from './persisted.ts';

const SUPERGRAPH = 'schema/supergraph.graphql';

export interface SchemaCheck { breaking: Change[]; dangerous: Change[]; safe: Change[] }

/** The changes from one supergraph's API schema to another's. */
export async function checkSchemas(baseSupergraph: string, headSupergraph: string): Promise<SchemaCheck> {
  const changes = await diff(apiSchemaOf(baseSupergraph), apiSchemaOf(headSupergraph));
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  return { breaking: of(CriticalityLevel.Breaking), dangerous: of(CriticalityLevel.Dangerous), safe: of(CriticalityLevel.NonBreaking) };
}

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  } catch {
    return null;
  }
}

/** The base ref to compare with, and its supergraph. */
export function baseSupergraph(requested?: string): { ref: string; sdl: string; note?: string } {
  const candidates = requested ? [requested] : [process.env.SCHEMA_BASE, 'main', 'origin/main'].filter((r): r is string => !!r);
  for (const ref of candidates) {
    const sdl = git('show', `${ref}:${SUPERGRAPH}`);
    if (sdl !== null) return { ref, sdl };
    if (requested) throw new Error(`schema-check: ${requested}:${SUPERGRAPH} not found`);
  }
  const sdl = git('show', `HEAD:${SUPERGRAPH}`);
  if (sdl === null) throw new Error('schema-check: not a git checkout with schema/supergraph.graphql');
  return { ref: 'HEAD', sdl, note: 'no main branch here (shallow or detached clone): compared with HEAD' };
}

async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf('--base');
  const base = baseSupergraph(i >= 0 ? argv[i + 1] : undefined);
  const allow = argv.includes('--allow-breaking') || process.env.SCHEMA_ALLOW_BREAKING === '1';
  const head = readFileSync(join(ROOT, SUPERGRAPH), 'utf8');
  const r = await checkSchemas(base.sdl, head);
  if (base.note) console.log(`schema-check: ${base.note}`);
  const total = r.breaking.length + r.dangerous.length + r.safe.length;
  console.log(`schema-check: API schema of ${SUPERGRAPH} against ${base.ref}: ${total === 0 ? 'no changes' : `${r.breaking.length} breaking, ${r.dangerous.length} dangerous, ${r.safe.length} safe`}`);
  for (const [label, list] of [['BREAKING', r.breaking], ['dangerous', r.dangerous], ['safe', r.safe]] as const) {
    for (const c of list) console.log(`  ${label.padEnd(9)} ${c.path ?? ''}: ${c.message}`);
  }
  if (r.breaking.length && !allow) {
    console.log('schema-check: breaking changes (clients of main would fail); rerun with --allow-breaking if intended');
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => { console.error(String(err?.message ?? err)); process.exit(2); });
}
