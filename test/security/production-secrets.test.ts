// Issue 12, "production secrets": with DATABASE_URL or NODE_ENV=production every process refuses to start, with one
// line and exit code 78, unless JWT_SECRET and INTERNAL_SIGNING_SECRET are set (≥ 32 bytes, not the development
// secret). On a483755 a gateway replica in that mode accepted an HS256 token signed with the development secret
// from the source tree as ADMIN of any tenant.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, EXIT_CONFIG, issueAccessToken } from '@omniroute/core';
import { ROOT, startStack } from '@omniroute/platform';
import { freePort } from '@omniroute/testkit';
import { createReplica } from '../../gateway/src/replica.ts';

const STRONG = randomBytes(32).toString('hex');
// unreachable on purpose: a process that does not refuse fails on this instead of touching a real database
const DATABASE_URL = 'postgresql://postgres@127.0.0.1:9/omniroute_never';

/** The environment of a deployment, minus what the test sets. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const k of ['JWT_SECRET', 'INTERNAL_SIGNING_SECRET', 'DATABASE_URL', 'NODE_ENV', 'REDIS_URL', 'SEED', 'METRICS_TOKEN', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[k];
  return { ...env, ...extra };
}

interface Outcome { code: number | null; stderr: string; forged?: { status: number; body: string } }

/**
 * Runs an entry point until it exits (or 40 s). With `port`, a process that starts listening instead is sent a
 * token signed with the development secret, and what it answered is reported.
 */
function run(entry: string, env: NodeJS.ProcessEnv, port?: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let forged: Outcome['forged'];
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000); // generous: the machine may be loaded
    const poll = port
      ? setInterval(async () => {
        if (forged) return;
        try {
          const token = (await issueAccessToken({ userId: 'usr_forged', tenantId: 'tnt_LAGOS', roles: ['ADMIN'] }, DEV_JWT_SECRET)).token;
          const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ __typename }' }),
          });
          forged = { status: r.status, body: await r.text() };
          child.kill('SIGKILL');
        } catch {
          // not listening (yet)
        }
      }, 300)
      : undefined;
    child.on('exit', (code) => {
      clearTimeout(deadline);
      if (poll) clearInterval(poll);
      resolve({ code, stderr, forged });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim());

describe('issue 12: production secrets', () => {
  it('row 7: a gateway replica with DATABASE_URL and NODE_ENV=production but no JWT_SECRET refuses to start, so a dev-secret ADMIN token is never served', async () => {
    const port = await freePort();
    const r = await run('gateway/src/index.ts', envWith({ DATABASE_URL, NODE_ENV: 'production', INTERNAL_SIGNING_SECRET: STRONG, PORT: String(port), HOST: '127.0.0.1' }), port);
    expect(r.forged, `the gateway started and answered a token signed with the development secret: ${JSON.stringify(r.forged)}`).toBeUndefined();
    expect(r.code).toBe(EXIT_CONFIG);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^omniroute gateway: refusing to start in production mode \(DATABASE_URL is set\): JWT_SECRET is not set\. Set JWT_SECRET and INTERNAL_SIGNING_SECRET/)]);
  }, 150_000);

  it('every entry point refuses without secrets: npm start, the five subgraph processes, the gateway (also as a cluster primary)', async () => {
    const env = envWith({ DATABASE_URL, PORT: String(await freePort()), HOST: '127.0.0.1' });
    const entries: [string, string, NodeJS.ProcessEnv?][] = [
      ['scripts/start.ts', 'start'],
      ...['identity', 'commerce', 'logistics', 'finance', 'workforce'].map((s): [string, string] => [`subgraphs/${s}/src/index.ts`, s]),
      ['gateway/src/index.ts', 'gateway', { ...env, GATEWAY_WORKERS: '2' }],
    ];
    const results = await Promise.all(entries.map(([entry, , e]) => run(entry, e ?? env)));
    entries.forEach(([entry, name], i) => {
      const r = results[i]!;
      expect(r.code, `${entry}: ${r.stderr}`).toBe(EXIT_CONFIG);
      const [line, ...rest] = lines(r.stderr);
      expect(rest, entry).toEqual([]);
      expect(line).toMatch(new RegExp(`^omniroute ${name}: refusing to start in production mode \\(DATABASE_URL is set\\): JWT_SECRET is not set; INTERNAL_SIGNING_SECRET is not set\\.`));
    });
  }, 150_000);

  it('weak secrets are refused too: shorter than 32 bytes, or the development secret from the source tree', async () => {
    const [short, dev] = await Promise.all([
      run('subgraphs/identity/src/index.ts', envWith({ NODE_ENV: 'production', JWT_SECRET: 'change-me-too', INTERNAL_SIGNING_SECRET: STRONG })),
      run('gateway/src/index.ts', envWith({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, INTERNAL_SIGNING_SECRET: STRONG })),
    ]);
    expect(short.code).toBe(EXIT_CONFIG);
    expect(short.stderr).toContain('omniroute identity: refusing to start in production mode (NODE_ENV=production): JWT_SECRET is shorter than 32 bytes.');
    expect(dev.code).toBe(EXIT_CONFIG);
    expect(dev.stderr).toContain('JWT_SECRET is the development secret from the source tree');
  }, 150_000);

  it('in-process starters refuse as well: createReplica and a stack on Postgres without secrets', async () => {
    expect(() => createReplica({ DATABASE_URL, INTERNAL_SIGNING_SECRET: STRONG })).toThrow(/JWT_SECRET is not set/);
    await expect(startStack({ databaseUrl: DATABASE_URL })).rejects.toThrow(/production mode \(a Postgres database\): JWT_SECRET is not set; INTERNAL_SIGNING_SECRET is not set/);
  });

  it('with strong secrets in production, the replica refuses a token signed with the development secret', async () => {
    const gateway = createReplica({ NODE_ENV: 'production', JWT_SECRET: STRONG, INTERNAL_SIGNING_SECRET: STRONG, SUPERGRAPH: `${ROOT}/schema/supergraph.graphql`, PERSISTED_DIR: `${ROOT}/schema/persisted` });
    const port = await gateway.listen(0, '127.0.0.1');
    try {
      const token = (await issueAccessToken({ userId: 'usr_forged', tenantId: 'tnt_LAGOS', roles: ['ADMIN'] }, DEV_JWT_SECRET)).token;
      const r = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ __typename }"}' });
      expect(r.status).toBe(401);
      expect((await r.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await gateway.close();
    }
  });
});
