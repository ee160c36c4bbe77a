// npm run routes -- <command>
//   solve --vrplib <file.vrp> [--time-limit-ms 5000] [--seed 1] [--max-iterations N]
//       solves a CVRPLIB instance and prints the CVRPLIB `.sol` form on stdout (Route #k lines, then Cost);
//       exit 0 with a feasible solution, 1 with one line on stderr for a malformed file or bad arguments
//   bench [--time-limit-ms 5000] [--seed 1] [--dir bench/routing/cvrplib]
//       solves every fixture instance and prints the table of bench/README.md (instance, BKS, ours, gap, ms);
//       exit 1 when a solution is infeasible
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkSolution } from '../subgraphs/logistics/src/modules/routing/vrp.rules.ts';
import { solve } from '../subgraphs/logistics/src/modules/routing/vrp-solver.rules.ts';
import { formatSol, parseSol, parseVrplib, VrplibError } from '../subgraphs/logistics/src/modules/routing/vrplib.rules.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function die(message: string): never {
  process.stderr.write(`routes: ${message}\n`);
  process.exit(1);
}

function positiveInt(value: string | undefined, name: string, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) die(`${name} must be a non-negative integer`);
  return n;
}

function load(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    die(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseVrplib(text);
  } catch (e) {
    if (e instanceof VrplibError) die(`${file}: ${e.message}`);
    throw e;
  }
}

const [command, ...rest] = process.argv.slice(2);
let parsed;
try {
  parsed = parseArgs({
    args: rest,
    options: {
      vrplib: { type: 'string' },
      'time-limit-ms': { type: 'string' },
      seed: { type: 'string' },
      'max-iterations': { type: 'string' },
      dir: { type: 'string' },
    },
    strict: true,
  });
} catch (e) {
  die((e as Error).message.split('\n')[0]!);
}
const args = parsed.values;
const timeLimitMs = positiveInt(args['time-limit-ms'], '--time-limit-ms', 5000);
const seed = positiveInt(args.seed, '--seed', 1);
const maxIterations = args['max-iterations'] === undefined ? undefined : positiveInt(args['max-iterations'], '--max-iterations', 0);

if (command === 'solve') {
  if (!args.vrplib) die('solve needs --vrplib <file.vrp>');
  const inst = load(args.vrplib);
  const result = solve(inst.problem, { seed, timeLimitMs, maxIterations });
  const check = checkSolution(inst.problem, result);
  if (!check.ok) die(`internal error: infeasible solution (${check.error})`);
  process.stdout.write(formatSol(result.routes, check.distance));
} else if (command === 'bench') {
  const dir = resolve(ROOT, args.dir ?? 'bench/routing/cvrplib');
  const files = readdirSync(dir).filter((f) => f.endsWith('.vrp')).sort((a, b) => size(a) - size(b) || a.localeCompare(b));
  const rows: string[][] = [];
  let gaps = 0;
  let failed = false;
  for (const f of files) {
    const inst = load(join(dir, f));
    // the best-known cost is the checked-in `.sol` next to the instance (its routes are re-priced, not trusted)
    const bksSol = parseSol(readFileSync(join(dir, f.replace(/\.vrp$/, '.sol')), 'utf8'));
    const bksCheck = checkSolution(inst.problem, { routes: bksSol.routes, unassigned: [] });
    if (!bksCheck.ok || bksCheck.distance !== bksSol.cost) die(`${f}: the best-known solution does not price to its Cost line`);
    const result = solve(inst.problem, { seed, timeLimitMs, maxIterations });
    const check = checkSolution(inst.problem, result);
    if (!check.ok) failed = true;
    const gap = check.ok ? ((check.distance - bksCheck.distance) / bksCheck.distance) * 100 : NaN;
    gaps += gap;
    rows.push([inst.name, String(inst.ids.length - 1), String(bksCheck.distance), check.ok ? String(check.distance) : `infeasible: ${check.error}`, gap.toFixed(2), String(Math.round(result.elapsedMs)), String(Math.round(result.initialDistance))]);
    process.stderr.write(`${inst.name}: ${check.ok ? check.distance : 'infeasible'} in ${Math.round(result.elapsedMs)} ms (${result.iterations} rounds)\n`);
  }
  const header = ['instance', 'customers', 'BKS', 'ours', 'gap %', 'ms', 'savings'];
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  lines.push(`\nmean gap ${(gaps / rows.length).toFixed(2)} % over ${rows.length} instances (seed ${seed}, time limit ${timeLimitMs} ms)`);
  process.stdout.write(lines.join('\n') + '\n');
  if (failed) process.exit(1);
} else {
  die('usage: npm run routes -- solve --vrplib <file.vrp> [--time-limit-ms 5000] [--seed 1] | bench [--time-limit-ms 5000]');
}

function size(f: string) {
  return Number(/-n(\d+)/.exec(f)?.[1] ?? 0);
}
