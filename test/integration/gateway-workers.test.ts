// GATEWAY_WORKERS: the distributed-mode gateway replica (gateway/src/index.ts) as a cluster of worker processes on
// one port, in front of the real subgraphs on Postgres + Redis. Every worker serves queries and federated
// subscriptions; a worker that dies is replaced; SIGTERM stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, freePort, gql, login, nodes, testSecrets, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIVE_FLEET = readFileSync(`${ROOT}/schema/operations/LiveFleet.graphql`, 'utf8');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Open sockets of a process (Linux /proc). */
const socketsOf = (pid: number) => readdirSync(`/proc/${pid}/fd`).filter((fd) => {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
  } catch {
    return false;
  }
}).length;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let gateway: ChildProcess;
let url: string;
let token: string;
/** pids of the workers that logged 'gateway listening', in order */
const listening: number[] = [];
let logTail = '';
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase('omniroute_workers');
  const busPrefix = `workers-${randomUUID().slice(0, 8)}`;
  stack = await startStack({ secrets: testSecrets(), databaseUrl: db.url, redisUrl: REDIS_URL, busPrefix, seed: true, relayIntervalMs: 200 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      GATEWAY_WORKERS: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      INTERNAL_SIGNING_SECRET: stack.secret,
      JWT_SECRET: stack.jwtSecret,
      REDIS_URL,
      REDIS_PREFIX: busPrefix,
      ...Object.fromEntries(Object.entries(stack.subgraphs).map(([name, sg]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, sg!.running.url])),
    },
  });
  let buf = '';
  gateway.stderr!.on('data', (d: Buffer) => {
    logTail = (logTail + d.toString()).slice(-4000);
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const entry = JSON.parse(line) as { msg?: string; pid?: number };
        if (entry.msg === 'gateway listening' && entry.pid) listening.push(entry.pid);
      } catch {
        // not a log line
      }
    }
  });
  await eventually(async () => listening.length >= 2, { timeoutMs: 60_000 }).catch(() => {
    throw new Error(`workers did not start:\n${logTail}`);
  });
  token = await login(url, 'ops@lagos.demo');
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.dispose();
  if (gateway && gateway.exitCode === null) gateway.kill('SIGKILL');
  for (const pid of listening) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await stack?.close();
  await db?.drop();
});

describe('gateway workers (GATEWAY_WORKERS=2, Postgres + Redis)', () => {
  it('runs two worker processes on one port; both hold subscribers and deliver LiveFleet events with other subgraphs\' fields', async () => {
    const [w1, w2] = listening as [number, number];
    expect(w1).not.toBe(w2);
    expect(w1).not.toBe(gateway.pid);
    const before = [socketsOf(w1), socketsOf(w2)];

    const q = async (query: string, variables = {}) => (await gql(url, query, variables, token)).data;
    const vehicle = nodes<any>((await q('{ vehicles(first: 50) { edges { node { id plate currentShipment { status } } } } }')).vehicles).find((v) => v.currentShipment?.status === 'IN_TRANSIT');
    expect(vehicle).toBeTruthy();
    // six sockets: the primary hands connections to the workers in turn
    const feeds = Array.from({ length: 6 }, () => {
      const c = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      clients.push(c);
      const got: any[] = [];
      c.subscribe({ query: LIVE_FLEET, variables: {} }, { next: (v) => void got.push(v), error: (e) => void got.push({ error: e }), complete: () => undefined });
      return got;
    });
    await eventually(async () => socketsOf(w1) > before[0]! && socketsOf(w2) > before[1]!, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500)); // upstream subscriptions established in both workers

    const reported = async (i: number) => {
      const r = await q(`mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code message } } }`, {
        i: { vehicleId: vehicle.id, lat: 6.5 + i * 0.001, lng: 3.38, speedKph: 30, heading: 90, recordedAt: new Date().toISOString() },
      });
      expect(r.reportVehiclePosition.userErrors).toEqual([]);
    };
    await reported(0);
    for (const got of feeds) {
      const ev = await eventually(async () => got.find((g) => g.data?.vehiclePositionUpdated?.vehicle?.plate === vehicle.plate), { timeoutMs: 20_000 });
      expect(ev.errors).toBeUndefined();
      expect(ev.data.vehiclePositionUpdated.shipment.order.customer.name).toBeTruthy();
      expect(ev.data.vehiclePositionUpdated.shipment.rider.level.name).toBeTruthy();
    }
  });

  it('replaces a worker that dies and keeps serving; SIGTERM stops the primary and every worker', async () => {
    const [victim, survivor] = listening as [number, number];
    process.kill(victim, 'SIGKILL');
    await eventually(async () => listening.length >= 3, { timeoutMs: 30_000 });
    const replacement = listening[2]!;
    expect([victim, survivor]).not.toContain(replacement);
    expect(alive(victim)).toBe(false);
    for (let i = 0; i < 6; i++) {
      const r = await gql(url, '{ me { email } }', {}, token);
      expect(r.errors).toBeUndefined();
      expect(r.data.me.email).toBe('ops@lagos.demo');
    }

    const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    await eventually(async () => !alive(survivor) && !alive(replacement), { timeoutMs: 5_000 });
  });
});
