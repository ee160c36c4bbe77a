// The vehicle routing model shared by the solver, the CVRPLIB reader and the depot planner: one depot (node 0),
// customers 1..n, a fleet where every vehicle drives at most one route. Pure: no I/O, no clock except the caller's.

/** One vehicle of the fleet. Times are minutes on the caller's clock (e.g. since midnight), distances in any unit. */
export interface VrpVehicle {
  /** Largest total demand (kg for the depot planner, CVRPLIB units for benchmarks). */
  capacity: number;
  /** Largest total volume; Infinity when unknown. */
  capacityVolume?: number;
  /** Can carry customers whose goods need refrigeration. */
  refrigerated?: boolean;
  /** Leaves the depot no earlier than this. */
  shiftStart?: number;
  /** Back at the depot no later than this (shift length = shiftEnd − shiftStart). */
  shiftEnd?: number;
  /** Distance units per minute; only used when the problem has times. */
  speed?: number;
}

/** A routing problem. Arrays are indexed by node; index 0 (the depot) holds zeros. */
export interface VrpProblem {
  /** Number of nodes including the depot. */
  size: number;
  /** size × size distances, row-major (asymmetric allowed). */
  distance: Float64Array;
  demand: ArrayLike<number>;
  volume?: ArrayLike<number>;
  /** Minutes spent at each customer. */
  serviceTime?: ArrayLike<number>;
  /** Earliest start of service per customer (waiting is allowed). */
  windowStart?: ArrayLike<number>;
  /** Latest start of service per customer. */
  windowEnd?: ArrayLike<number>;
  /** Customers whose goods must travel refrigerated. */
  cold?: ArrayLike<boolean>;
  vehicles: VrpVehicle[];
}

/** Routes by vehicle (customer sequences, depot omitted) and the customers left out. */
export interface VrpSolution {
  routes: number[][];
  unassigned: number[];
  /** Total distance of the routes. */
  distance: number;
}

/** Why a customer could not be planned. */
export type UnassignedReason = 'COLD_CHAIN_REQUIRED' | 'OVER_CAPACITY' | 'OUTSIDE_HOURS' | 'FLEET_FULL';

/** Internal, normalised view of a problem: every optional array filled in, so the hot loops never branch on undefined. */
export interface Model {
  n1: number;
  d: Float64Array;
  demand: Float64Array;
  volume: Float64Array;
  service: Float64Array;
  ws: Float64Array;
  we: Float64Array;
  cold: Uint8Array;
  cap: Float64Array;
  capVol: Float64Array;
  fridge: Uint8Array;
  start: Float64Array;
  end: Float64Array;
  speed: Float64Array;
  /** Vehicles with the same type are interchangeable: an empty one of a type stands for all of them. */
  typeOf: Int32Array;
  /** Whether any time constraint exists; without, capacity is the only route constraint (CVRPLIB). */
  timed: boolean;
  maxDistance: number;
}

const fill = (n: number, src: ArrayLike<number> | undefined, dflt: number) => {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = src && src[i] != null && Number.isFinite(src[i]!) ? src[i]! : dflt;
  return a;
};

/** Checks the shape of a problem and normalises it; throws on a malformed one (a programming error, not user input). */
export function toModel(p: VrpProblem): Model {
  const n1 = p.size;
  if (!Number.isInteger(n1) || n1 < 1) throw new RangeError('a problem needs at least the depot');
  if (p.distance.length !== n1 * n1) throw new RangeError(`distance must be ${n1}×${n1}`);
  const m = p.vehicles.length;
  const ws = fill(n1, p.windowStart, -Infinity);
  const we = fill(n1, p.windowEnd, Infinity);
  const service = fill(n1, p.serviceTime, 0);
  const start = new Float64Array(m);
  const end = new Float64Array(m);
  const speed = new Float64Array(m);
  const cap = new Float64Array(m);
  const capVol = new Float64Array(m);
  const fridge = new Uint8Array(m);
  const typeOf = new Int32Array(m);
  const types = new Map<string, number>();
  let timed = false;
  for (let r = 0; r < m; r++) {
    const v = p.vehicles[r]!;
    cap[r] = v.capacity;
    capVol[r] = v.capacityVolume ?? Infinity;
    fridge[r] = v.refrigerated ? 1 : 0;
    start[r] = v.shiftStart ?? 0;
    end[r] = v.shiftEnd ?? Infinity;
    speed[r] = v.speed ?? 1;
    if (Number.isFinite(end[r]!)) timed = true;
    const key = `${cap[r]}|${capVol[r]}|${fridge[r]}|${start[r]}|${end[r]}|${speed[r]}`;
    if (!types.has(key)) types.set(key, types.size);
    typeOf[r] = types.get(key)!;
  }
  for (let i = 1; i < n1; i++) if (Number.isFinite(we[i]!) || Number.isFinite(ws[i]!)) timed = true;
  const cold = new Uint8Array(n1);
  for (let i = 1; i < n1; i++) cold[i] = p.cold?.[i] ? 1 : 0;
  let maxDistance = 0;
  for (let k = 0; k < p.distance.length; k++) {
    const x = p.distance[k]!;
    if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError('distances must be finite and non-negative');
    if (x > maxDistance) maxDistance = x;
  }
  const demand = fill(n1, p.demand, 0);
  const volume = fill(n1, p.volume, 0);
  demand[0] = 0;
  volume[0] = 0;
  return { n1, d: p.distance, demand, volume, service, ws, we, cold, cap, capVol, fridge, start, end, speed, typeOf, timed, maxDistance };
}

/** Distance of one route (depot → customers → depot). */
export function routeDistance(m: Pick<Model, 'd' | 'n1'>, seq: readonly number[]): number {
  if (seq.length === 0) return 0;
  const { d, n1 } = m;
  let s = d[seq[0]!]!;
  for (let k = 1; k < seq.length; k++) s += d[seq[k - 1]! * n1 + seq[k]!]!;
  return s + d[seq[seq.length - 1]! * n1]!;
}

/** Whether vehicle r may drive the sequence: capacity, volume, refrigeration, windows and shift end. */
export function routeFeasible(m: Model, r: number, seq: readonly number[]): boolean {
  let load = 0;
  let vol = 0;
  for (const c of seq) {
    load += m.demand[c]!;
    vol += m.volume[c]!;
    if (m.cold[c] && !m.fridge[r]) return false;
  }
  if (load > m.cap[r]! + 1e-9 || vol > m.capVol[r]! + 1e-9) return false;
  return !m.timed || routeTimes(m, r, seq) !== null;
}

/**
 * Service start per stop and the return time, or null when a window or the shift end is missed. Waiting for a
 * window to open is allowed; the vehicle leaves the depot at its shift start.
 */
export function routeTimes(m: Model, r: number, seq: readonly number[]): { starts: number[]; back: number } | null {
  const { d, n1 } = m;
  const speed = m.speed[r]!;
  let t = m.start[r]!;
  let prev = 0;
  const starts: number[] = [];
  for (const c of seq) {
    t = Math.max(t + d[prev * n1 + c]! / speed, m.ws[c]!);
    if (t > m.we[c]! + 1e-9) return null;
    starts.push(t);
    t += m.service[c]!;
    prev = c;
  }
  const back = seq.length ? t + d[prev * n1]! / speed : m.start[r]!;
  if (back > m.end[r]! + 1e-9) return null;
  return { starts, back };
}

/**
 * Why a customer cannot be served even alone by any vehicle, or null when some vehicle could. A customer with a
 * reason is left out up front; the rest are left out only when the fleet runs out (FLEET_FULL).
 */
export function infeasibleAlone(m: Model, c: number): UnassignedReason | null {
  let cold = false;
  let capacity = false;
  for (let r = 0; r < m.cap.length; r++) {
    if (m.cold[c] && !m.fridge[r]) continue;
    cold = true;
    if (m.demand[c]! > m.cap[r]! + 1e-9 || m.volume[c]! > m.capVol[r]! + 1e-9) continue;
    capacity = true;
    if (!m.timed || routeTimes(m, r, [c])) return null;
  }
  if (!cold) return 'COLD_CHAIN_REQUIRED';
  if (!capacity) return 'OVER_CAPACITY';
  return 'OUTSIDE_HOURS';
}

/** Independent check of a whole solution: every customer once, every route feasible for its vehicle. */
export function checkSolution(p: VrpProblem, s: Pick<VrpSolution, 'routes' | 'unassigned'>): { ok: true; distance: number } | { ok: false; error: string } {
  const m = toModel(p);
  if (s.routes.length > p.vehicles.length) return { ok: false, error: `${s.routes.length} routes for ${p.vehicles.length} vehicles` };
  const seen = new Uint8Array(m.n1);
  let distance = 0;
  for (let r = 0; r < s.routes.length; r++) {
    const seq = s.routes[r]!;
    for (const c of seq) {
      if (!Number.isInteger(c) || c < 1 || c >= m.n1) return { ok: false, error: `route ${r + 1} visits unknown node ${c}` };
      if (seen[c]++) return { ok: false, error: `customer ${c} visited twice` };
    }
    if (!routeFeasible(m, r, seq)) return { ok: false, error: `route ${r + 1} is infeasible for its vehicle` };
    distance += routeDistance(m, seq);
  }
  for (const c of s.unassigned) if (seen[c]++) return { ok: false, error: `customer ${c} both routed and unassigned` };
  for (let c = 1; c < m.n1; c++) if (!seen[c]) return { ok: false, error: `customer ${c} missing` };
  return { ok: true, distance };
}

/** A small, fast, seedable PRNG (mulberry32): the solver's only source of randomness, so a seed fixes the search. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
