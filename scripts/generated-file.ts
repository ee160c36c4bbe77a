// The generated files kept in git (schema/supergraph.graphql, docs/authorization.md): written by their script, or
// with `--check` compared with what is committed, for CI.
import { writeFileSync } from 'node:fs';

/** Writes `next` to `path`; with --check instead exits 1 (after `stale`) when it differs from `current`. */
export function writeOrCheck(path: string, next: string, current: string, messages: { stale: string; upToDate: string }): void {
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error(messages.stale);
      process.exit(1);
    }
    console.log(messages.upToDate);
  } else {
    writeFileSync(path, next);
    console.log(`wrote ${path}`);
  }
}
