// Issue 18, OpenTelemetry: the whole stack in this process with tracing on (OTEL_* variables, OTLP/HTTP JSON) and
// an in-process OTLP receiver. OrderDetail through the gateway must come back as ONE trace: the gateway's spans,
// each involved subgraph's spans (parented by the gateway's fetch spans through W3C traceparent) and their SQL
// spans (Prisma db_query, with the statement). The stack runs on Redis (TEST_REDIS_URL, a key prefix of its own):
// the gateway's rate limit and identity's sign-in throttle show up as Redis spans inside the request's trace.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTelemetry, shutdownTelemetry, telemetryActive } from '@omniroute/core';
import { startStack, type Stack } from '@omniroute/platform';
import { gql, login, nodes, testSecrets, TEST_REDIS_URL } from '@omniroute/testkit';

const ORDER_DETAIL = readFileSync(new URL('../../schema/operations/OrderDetail.graphql', import.meta.url), 'utf8');

interface ReceivedSpan { service: string; traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: Record<string, unknown> }

const spans: ReceivedSpan[] = [];
const PREFIX = `otel-${randomUUID().slice(0, 8)}`;
const contentTypes = new Set<string>();
let receiver: http.Server;
let stack: Stack;

const valueOf = (v: Record<string, unknown>) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attrs = (list: { key: string; value: Record<string, unknown> }[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

beforeAll(async () => {
  // A plain OTLP/HTTP receiver: JSON export requests on /v1/traces.
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(String(req.headers['content-type']));
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attrs(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
            spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attributes: attrs(s.attributes) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'omniroute-test',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // only requests arriving with a sampled traceparent are traced: seeding and sign-in are not (and export nothing)
    OTEL_TRACES_SAMPLER: 'parentbased_always_off',
  });
  stack = await startStack({ secrets: testSecrets(), seed: true, relayIntervalMs: 3_600_000, backgroundJobs: false, redisUrl: TEST_REDIS_URL, busPrefix: PREFIX });
}, 300_000); // the seeded stack, as graphiql-browser.test.ts: over the default 180 s at a load of 45 on 2 cores
afterAll(async () => {
  await stack?.close();
  await shutdownTelemetry();
  // this run's keys only (streams, rate limits, throttle counters): the Redis is shared
  const redis = new Redis(TEST_REDIS_URL);
  for await (const keys of redis.scanStream({ match: `${PREFIX}*`, count: 500 })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
  await redis.quit();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe('OpenTelemetry traces', () => {
  it('one trace covers the gateway, each subgraph OrderDetail involves, and their SQL', async () => {
    expect(telemetryActive()).toBe(true);
    const token = await login(stack.gatewayUrl, 'ops@lagos.demo');
    const list = await gql(stack.gatewayUrl, '{ orders(first: 5, filter: { status: DELIVERED }) { edges { node { id } } } }', {}, token);
    const id = nodes<{ id: string }>(list.data.orders)[0]!.id;
    const r = await gql(stack.gatewayUrl, ORDER_DETAIL, { id }, token, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(r.errors).toBeUndefined();
    await flushTelemetry();

    // the client's traceparent is honoured: the whole request lives in the client's trace
    const trace = spans.filter((s) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736');
    const byService = (svc: string) => trace.filter((s) => s.service === `omniroute-test-${svc}`);
    const gateway = byService('gateway');
    const server = gateway.find((s) => s.kind === 2 && s.name === 'POST /graphql');
    expect(server?.parentSpanId).toBe('00f067aa0ba902b7');
    expect(gateway.map((s) => s.name)).toContain('graphql.query OrderDetail');
    for (const sg of ['commerce', 'finance', 'logistics', 'workforce']) {
      const own = byService(sg);
      const incoming = own.find((s) => s.kind === 2);
      expect(incoming, `${sg} server span`).toBeDefined();
      // parented by the gateway's fetch span for that subgraph (traceparent sent by the gateway)
      const fetch = gateway.find((s) => s.spanId === incoming!.parentSpanId);
      expect(fetch?.name, `${sg} parent`).toBe(`subgraph ${sg}`);
      const sql = own.filter((s) => s.attributes['db.query.text']);
      expect(sql.length, `${sg} SQL spans`).toBeGreaterThan(0);
      expect(String(sql[0]!.attributes['db.query.text'])).toMatch(/SELECT/i);
    }
    // Redis: the gateway's rate limit (a signed-in user's bucket, one EVAL per request) in the gateway's span tree
    const redis = gateway.filter((s) => s.attributes['db.system.name'] === 'redis');
    expect(redis.map((s) => s.name)).toContain('EVAL');
    const rate = redis.find((s) => String(s.attributes['db.query.text']).includes(`${PREFIX}:rl:user:`));
    expect(rate?.kind, 'rate-limit span').toBe(3); // CLIENT
    expect(gateway.some((s) => s.spanId === rate!.parentSpanId)).toBe(true);
    expect(rate!.attributes['server.address']).toBe(new URL(TEST_REDIS_URL).hostname);
    // OTEL_TRACES_SAMPLER is honoured: nothing else was traced (seeding, sign-in, the order list, the bus's polls)
    expect(spans.filter((s) => s.traceId !== '4bf92f3577b34da6a3ce929d0e0e4736').map((s) => s.name)).toEqual([]);
    expect([...contentTypes]).toContain('application/json');
  });

  it('a traced sign-in spans gateway → identity → its SQL and its Redis throttle', async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const r = await gql(stack.gatewayUrl, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email: 'ops@lagos.demo', password: 'omniroute-demo' } }, undefined, { traceparent: `00-${traceId}-1122334455667788-01` });
    expect(r.data?.login?.accessToken).toBeTruthy();
    await flushTelemetry();
    const identity = spans.filter((s) => s.traceId === traceId && s.service === 'omniroute-test-identity');
    const server = identity.find((s) => s.kind === 2);
    expect(server, 'identity server span').toBeDefined();
    expect(identity.some((s) => /SELECT/i.test(String(s.attributes['db.query.text'] ?? '')) && s.attributes['db.system.name'] !== 'redis')).toBe(true);
    // the throttle's attempt and success scripts, on this run's keys, below identity's server span
    const throttle = identity.filter((s) => s.attributes['db.system.name'] === 'redis' && String(s.attributes['db.query.text']).includes(`${PREFIX}:identity:login:`));
    expect(throttle.map((s) => s.name)).toEqual(['EVAL', 'EVAL']);
    const ids = new Set(identity.map((s) => s.spanId));
    for (const s of throttle) expect(ids.has(s.parentSpanId!)).toBe(true);
  });
});
