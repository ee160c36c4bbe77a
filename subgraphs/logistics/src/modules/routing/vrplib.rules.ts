// CVRPLIB (VRPLIB/TSPLIB) instances in and `.sol` solutions out, for benchmarking the solver on public data.
import type { VrpProblem } from './vrp.rules.ts';

export interface VrplibInstance {
  name: string;
  capacity: number;
  /** Node ids as in the file, depot first; index i of the problem is ids[i]. */
  ids: number[];
  coords: [number, number][];
  problem: VrpProblem;
}

/** A malformed instance: the message is one line, fit for a CLI's stderr. */
export class VrplibError extends Error {}

const SECTIONS = new Set(['NODE_COORD_SECTION', 'DEMAND_SECTION', 'DEPOT_SECTION', 'EOF']);

/**
 * Reads a CVRP instance with EUC_2D distances, rounded to the nearest integer as CVRPLIB's best-known costs
 * assume. The fleet is unlimited (one vehicle per customer): CVRPLIB's k is a lower bound, not a constraint.
 */
export function parseVrplib(text: string): VrplibInstance {
  const header = new Map<string, string>();
  const coords = new Map<number, [number, number]>();
  const demands = new Map<number, number>();
  const depots: number[] = [];
  let section = '';
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (!line) continue;
    const where = `line ${ln + 1}`;
    const word = line.split(/[\s:]+/)[0]!.toUpperCase();
    if (SECTIONS.has(word)) {
      section = word;
      if (word === 'EOF') break;
      continue;
    }
    const kv = /^([A-Z_]+)\s*:\s*(.*)$/i.exec(line);
    if (kv && !/^-?\d/.test(line)) {
      header.set(kv[1]!.toUpperCase(), kv[2]!.trim());
      section = '';
      continue;
    }
    const nums = line.split(/\s+/).map(Number);
    if (nums.some((x) => !Number.isFinite(x))) throw new VrplibError(`${where}: expected numbers, got "${line.slice(0, 40)}"`);
    if (section === 'NODE_COORD_SECTION') {
      if (nums.length !== 3) throw new VrplibError(`${where}: a coordinate line is "id x y"`);
      coords.set(nums[0]!, [nums[1]!, nums[2]!]);
    } else if (section === 'DEMAND_SECTION') {
      if (nums.length !== 2 || nums[1]! < 0) throw new VrplibError(`${where}: a demand line is "id demand" with demand ≥ 0`);
      demands.set(nums[0]!, nums[1]!);
    } else if (section === 'DEPOT_SECTION') {
      if (nums[0] === -1) section = '';
      else depots.push(nums[0]!);
    } else {
      throw new VrplibError(`${where}: unexpected "${line.slice(0, 40)}"`);
    }
  }
  const type = header.get('TYPE');
  if (type && type.toUpperCase() !== 'CVRP') throw new VrplibError(`TYPE ${type} is not supported (only CVRP)`);
  const ewt = header.get('EDGE_WEIGHT_TYPE');
  if (!ewt || ewt.toUpperCase() !== 'EUC_2D') throw new VrplibError(`EDGE_WEIGHT_TYPE ${ewt ?? '(missing)'} is not supported (only EUC_2D)`);
  const dimension = Number(header.get('DIMENSION'));
  if (!Number.isInteger(dimension) || dimension < 2) throw new VrplibError('DIMENSION must be an integer ≥ 2');
  const capacity = Number(header.get('CAPACITY'));
  if (!Number.isFinite(capacity) || capacity <= 0) throw new VrplibError('CAPACITY must be a positive number');
  if (coords.size !== dimension) throw new VrplibError(`NODE_COORD_SECTION has ${coords.size} nodes, DIMENSION says ${dimension}`);
  if (demands.size !== dimension) throw new VrplibError(`DEMAND_SECTION has ${demands.size} nodes, DIMENSION says ${dimension}`);
  if (depots.length !== 1) throw new VrplibError(`expected exactly one depot, got ${depots.length}`);
  const depot = depots[0]!;
  if (!coords.has(depot)) throw new VrplibError(`depot ${depot} has no coordinates`);
  const others = [...coords.keys()].filter((id) => id !== depot).sort((a, b) => a - b);
  const ids = [depot, ...others];
  for (const id of ids) if (!demands.has(id)) throw new VrplibError(`node ${id} has no demand`);
  for (const id of others) if (demands.get(id)! > capacity) throw new VrplibError(`node ${id} demands more than CAPACITY`);
  const n1 = ids.length;
  const xy = ids.map((id) => coords.get(id)!);
  const distance = new Float64Array(n1 * n1);
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n1; j++) distance[i * n1 + j] = Math.round(Math.hypot(xy[i]![0] - xy[j]![0], xy[i]![1] - xy[j]![1]));
  }
  const demand = ids.map((id, i) => (i === 0 ? 0 : demands.get(id)!));
  return {
    name: header.get('NAME') ?? 'unnamed',
    capacity,
    ids,
    coords: xy,
    problem: { size: n1, distance, demand, vehicles: Array.from({ length: n1 - 1 }, () => ({ capacity })) },
  };
}

/** CVRPLIB `.sol` text: non-empty routes numbered from 1, customers as in CVRPLIB solutions (depot = 0), then the cost. */
export function formatSol(routes: number[][], cost: number): string {
  const lines = routes.filter((r) => r.length > 0).map((r, k) => `Route #${k + 1}: ${r.join(' ')}`);
  return [...lines, `Cost ${cost}`].join('\n') + '\n';
}

/** Parses a `.sol` text back (tests and fixture checks). */
export function parseSol(text: string): { routes: number[][]; cost: number | null } {
  const routes: number[][] = [];
  let cost: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const r = /^Route\s*#\d+\s*:\s*(.*)$/i.exec(line);
    if (r) routes.push(r[1]!.trim() ? r[1]!.trim().split(/\s+/).map(Number) : []);
    const c = /^Cost\s+([\d.]+)/i.exec(line);
    if (c) cost = Number(c[1]);
  }
  return { routes, cost };
}
