// Vitest globalSetup (vitest.config.ts): before the run, one line naming any test service that is not answering, so a
// wall of connection errors later has its cause on top. It does not start or stop anything.
import { connect } from 'node:net';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './index.ts';

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(u.password ? `AUTH ${decodeURIComponent(u.password)}\r\nPING\r\n` : 'PING\r\n'));
    socket.on('data', (b) => b.toString().includes('+PONG') && done(true));
  });
}

export default async function checkTestServices(): Promise<void> {
  const [pgOk, redisOk] = await Promise.all([postgresAnswers(TEST_DATABASE_URL), redisAnswers(TEST_REDIS_URL)]);
  const missing = [
    ...(pgOk ? [] : [`Postgres at ${redact(TEST_DATABASE_URL)} (TEST_DATABASE_URL)`]),
    ...(redisOk ? [] : [`Redis at ${redact(TEST_REDIS_URL)} (TEST_REDIS_URL)`]),
  ];
  if (missing.length) console.warn(`test services missing: ${missing.join('; ')} — the suites that use them will fail`);
}
