// Summarises a V8 .cpuprofile (node --cpu-prof, or the domain bench's BENCH_DOMAIN_PROFILE windows): top frames by
// self time, and self time by package/area, as shares of the busy (non-idle) samples.
//   node --import tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

/** Which part of the stack a script belongs to (a package name, our workspace folder, or node internals). */
export function areaOf(url: string): string {
  if (!url) return '(native: syscalls, crypto, …)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internals';
  const m = url.match(/\/(packages|subgraphs|gateway|bench|platform)\/([^/]+)/);
  if (m) return m[1] === 'gateway' || m[1] === 'bench' || m[1] === 'platform' ? m[1] : `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarise(p: Profile, top = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Left out: idle time, and the profiler's own work when a windowed profile is stopped (inspector `post`).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ignored = (id: number) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return true;
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
      const f = byId.get(c)!.callFrame;
      if (f.functionName === 'post' && f.url === 'node:inspector') return true;
    }
    return false;
  };
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) if (!ignored(p.samples[i]!)) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const short = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(packages|subgraphs|gateway|bench)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${short}:${f.lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    const a = ['(idle)', '(program)', '(garbage collector)'].includes(f.functionName) ? f.functionName : areaOf(f.url);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${pct(us).padStart(6)}  ${k}`);
  return { totalMs: total / 1000, frames: sorted(frames), areas: sorted(areas) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = summarise(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Profile, Number(process.argv[3] ?? 25));
  process.stdout.write(`${r.totalMs.toFixed(0)} ms busy sampled (idle and the profiler's own stop left out)\n\nself time by area:\n${r.areas.join('\n')}\n\ntop frames (self):\n${r.frames.join('\n')}\n`);
}
