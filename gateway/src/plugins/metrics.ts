import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter as PromCounter, Gauge, Histogram } from 'prom-client';
import { boundedLabel, createRegistry, metricsAccessFromEnv, metricsHandler, type MetricsAccess } from '@omniroute/core';

export interface Counter {
  inc(labels?: Record<string, string>, by?: number): void;
  get(labels?: Record<string, string>): number;
}

export interface MetricsPluginOptions {
  /** Prepended to every metric name. Default `omniroute_gateway_`. */
  prefix?: string;
  /** Most label combinations per counter (a partner app id is a label: bounded so bad input cannot grow it). */
  maxSeries?: number;
  /** Process collectors (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Who may read /metrics. Default: METRICS_TOKEN and production mode from the environment. */
  access?: MetricsAccess;
}

const labelKey = (labels: Record<string, string> = {}) => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join('\u0000');

/**
 * The gateway's Prometheus registry and its `/metrics` route: counters of the edge plugins, request durations by
 * operation, subgraph fetch durations, errors by code, sockets and subscriptions, and the process collectors.
 */
export function createMetricsPlugin(opts: MetricsPluginOptions = {}) {
  const prefix = opts.prefix ?? 'omniroute_gateway_';
  const maxSeries = opts.maxSeries ?? 1000;
  const registry = createRegistry({ defaultMetrics: opts.defaultMetrics });
  const counters = new Map<string, Counter>();
  const operation = boundedLabel(); // client-chosen names

  const requestDuration = new Histogram({
    name: `${prefix}request_duration_seconds`,
    help: 'GraphQL requests over HTTP, from the first byte to the response, by operation name, kind and HTTP status',
    labelNames: ['operation', 'kind', 'status'] as const,
    registers: [registry],
  });
  const fetchDuration = new Histogram({
    name: `${prefix}subgraph_fetch_duration_seconds`,
    help: 'Subgraph HTTP fetches, by subgraph and HTTP status (0: no answer)',
    labelNames: ['subgraph', 'status'] as const,
    registers: [registry],
  });
  const errors = new PromCounter({
    name: `${prefix}errors_total`,
    help: 'Errors sent to clients (HTTP, SSE and WebSocket), by code',
    labelNames: ['code'] as const,
    registers: [registry],
  });

  const observeRequest = (info: { operationName?: string; kind?: string; status: number; durationMs: number }) => {
    requestDuration.observe({ operation: operation(info.operationName ?? 'anonymous'), kind: info.kind ?? 'none', status: String(info.status) }, info.durationMs / 1000);
  };
  const observeFetch = (info: { subgraph: string; status: number; durationMs: number }) => {
    fetchDuration.observe({ subgraph: info.subgraph, status: String(info.status) }, info.durationMs / 1000);
  };
  return {
    name: 'metrics',
    onRequestEnd: observeRequest,
    onSubgraphResponse: observeFetch,
    registry,
    /** A counter with the given label names (a second call with the same name returns the first counter). */
    counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
      const full = prefix + name;
      const existing = counters.get(full);
      if (existing) return existing;
      const prom = new PromCounter({ name: full, help: help || full, labelNames, registers: [registry] });
      const series = new Map<string, number>();
      const c: Counter = {
        inc(labels = {}, by = 1) {
          const k = labelKey(labels);
          if (!series.has(k) && series.size >= maxSeries) return;
          series.set(k, (series.get(k) ?? 0) + by);
          prom.inc(labels, by);
        },
        get: (labels) => series.get(labelKey(labels)) ?? 0,
      };
      counters.set(full, c);
      return c;
    },
    /** A gauge read when scraped. */
    gauge(name: string, help: string, read: () => number) {
      new Gauge({ name: prefix + name, help, registers: [registry], collect() { this.set(read()); } });
    },
    /** A counter whose total lives elsewhere (a running count), read when scraped. */
    total(name: string, help: string, read: () => number) {
      let last = 0;
      new PromCounter({
        name: prefix + name, help, registers: [registry],
        collect() {
          const now = read();
          if (now > last) this.inc(now - last);
          last = now;
        },
      });
    },
    observeRequest,
    observeFetch,
    /** Counts an error as formatted for a client (codes are a fixed set: unknown ones are masked before this). */
    countError(code: unknown) {
      errors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
    },
    render: () => registry.metrics(),
    routes: {
      '/metrics': metricsHandler(registry, opts.access ?? metricsAccessFromEnv()) as (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    },
  };
}

export type MetricsPlugin = ReturnType<typeof createMetricsPlugin>;
