import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Counter {
  inc(labels?: Record<string, string>, by?: number): void;
  get(labels?: Record<string, string>): number;
}

export interface MetricsPluginOptions {
  /** Prepended to every metric name. Default `omniroute_gateway_`. */
  prefix?: string;
  /** Most label combinations per counter (a partner app id is a label: bounded so bad input cannot grow it). */
  maxSeries?: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelKey = (labels: Record<string, string> = {}) =>
  Object.keys(labels).sort().map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',');

/** Prometheus counters and the `/metrics` route (text exposition format 0.0.4). */
export function createMetricsPlugin(opts: MetricsPluginOptions = {}) {
  const prefix = opts.prefix ?? 'omniroute_gateway_';
  const maxSeries = opts.maxSeries ?? 1000;
  const counters = new Map<string, { help: string; series: Map<string, number> }>();

  function render(): string {
    let out = '';
    for (const [name, c] of counters) {
      out += `# HELP ${name} ${c.help}\n# TYPE ${name} counter\n`;
      for (const [labels, v] of c.series) out += `${name}${labels ? `{${labels}}` : ''} ${v}\n`;
    }
    return out;
  }

  return {
    counter(name: string, help: string): Counter {
      const full = prefix + name;
      let c = counters.get(full);
      if (!c) counters.set(full, (c = { help, series: new Map() }));
      const series = c.series;
      return {
        inc(labels, by = 1) {
          const k = labelKey(labels);
          if (!series.has(k) && series.size >= maxSeries) return;
          series.set(k, (series.get(k) ?? 0) + by);
        },
        get: (labels) => series.get(labelKey(labels)) ?? 0,
      };
    },
    render,
    routes: {
      '/metrics': (_req: IncomingMessage, res: ServerResponse) => {
        const body = render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    },
  };
}

export type MetricsPlugin = ReturnType<typeof createMetricsPlugin>;
