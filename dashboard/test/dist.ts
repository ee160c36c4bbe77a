// The browser tests serve dashboard/dist: built by `npm run build`, rebuilt here only when a source is newer (after
// local edits), so CI does not bundle it again in every browser test.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_DIST } from '../serve.ts';

const DIR = fileURLToPath(new URL('..', import.meta.url));

/** dist is missing or older than a source file. */
export function distStale(): boolean {
  const built = join(DASHBOARD_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const t = statSync(built).mtimeMs;
  const sources = [join(DIR, 'index.html'), join(DIR, 'vite.config.ts'), ...readdirSync(join(DIR, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))];
  return sources.some((f) => statSync(f).mtimeMs > t);
}

/** Builds dist when it is stale. */
export async function ensureDashboardBuilt(): Promise<void> {
  if (!distStale()) return;
  const { build } = await import('vite');
  await build({ configFile: join(DIR, 'vite.config.ts'), logLevel: 'warn' });
}
