// The vehicle routing solver: Clarke–Wright savings to start, then iterated ruin-and-recreate (string removals
// after Christiaens & Vanden Berghe's SISR) under simulated annealing, each candidate polished by a granular local
// search (relocate, or-opt, swap, 2-opt, 2-opt*). Deterministic for a seed and an iteration budget; the time
// limit only stops it earlier. Distances are assumed symmetric (reversals are priced by their end edges).
import { infeasibleAlone, prng, routeDistance, routeFeasible, toModel, type Model, type UnassignedReason, type VrpProblem, type VrpSolution } from './vrp.rules.ts';

export interface SolveOptions {
  seed?: number;
  /** Wall-clock budget; the search stops at whichever of this and maxIterations comes first. */
  timeLimitMs?: number;
  /** Ruin-and-recreate rounds; with this set and a generous time limit the result depends on the seed only. */
  maxIterations?: number;
  /** Candidate neighbours per customer in the local search (granularity). */
  neighbours?: number;
  /** Milliseconds clock, injectable for tests. */
  clock?: () => number;
}

export interface SolveResult extends VrpSolution {
  /** Why each unassigned customer is out. */
  reasons: Map<number, UnassignedReason>;
  /** Distance of the savings construction the search started from. */
  initialDistance: number;
  iterations: number;
  elapsedMs: number;
}

// SISR's defaults: about ten customers removed per round, strings of at most ten.
const AVG_REMOVED = 10;
const MAX_STRING = 10;
const BLINK_RATE = 0.01;
const DEFAULT_NEIGHBOURS = 20;

/** The working solution: routes plus the per-node and per-route bookkeeping the moves read in O(1). */
class State {
  routes: number[][];
  routeOf: Int32Array;
  pos: Int32Array;
  prefix: Float64Array;
  load: Float64Array;
  vol: Float64Array;
  dist: Float64Array;
  startT: Float64Array;
  latest: Float64Array;
  unassigned: number[] = [];
  total = 0;
  used = 0;

  constructor(
    readonly m: Model,
    copyOf?: State,
  ) {
    const R = m.cap.length;
    if (copyOf) {
      this.routes = copyOf.routes.map((r) => r.slice());
      this.routeOf = copyOf.routeOf.slice();
      this.pos = copyOf.pos.slice();
      this.prefix = copyOf.prefix.slice();
      this.load = copyOf.load.slice();
      this.vol = copyOf.vol.slice();
      this.dist = copyOf.dist.slice();
      this.startT = copyOf.startT.slice();
      this.latest = copyOf.latest.slice();
      this.unassigned = copyOf.unassigned.slice();
      this.total = copyOf.total;
      this.used = copyOf.used;
      return;
    }
    this.routes = Array.from({ length: R }, () => []);
    this.routeOf = new Int32Array(m.n1).fill(-1);
    this.pos = new Int32Array(m.n1);
    this.prefix = new Float64Array(m.n1);
    this.load = new Float64Array(R);
    this.vol = new Float64Array(R);
    this.dist = new Float64Array(R);
    this.startT = new Float64Array(m.n1);
    this.latest = new Float64Array(m.n1);
  }

  /** Replaces a route and refreshes everything derived from it. */
  setRoute(r: number, seq: number[]) {
    const m = this.m;
    const old = this.routes[r]!;
    if (old.length > 0) this.used--;
    if (seq.length > 0) this.used++;
    for (const c of old) this.routeOf[c] = -1;
    this.routes[r] = seq;
    let load = 0;
    let vol = 0;
    for (let k = 0; k < seq.length; k++) {
      const c = seq[k]!;
      this.routeOf[c] = r;
      this.pos[c] = k;
      load += m.demand[c]!;
      vol += m.volume[c]!;
      this.prefix[c] = load;
    }
    this.load[r] = load;
    this.vol[r] = vol;
    const dist = routeDistance(m, seq);
    this.total += dist - this.dist[r]!;
    this.dist[r] = dist;
    if (m.timed && seq.length) this.refreshTimes(r, seq);
  }

  private refreshTimes(r: number, seq: number[]) {
    const { d, n1, ws, we, service } = this.m;
    const speed = this.m.speed[r]!;
    let t = this.m.start[r]!;
    let prev = 0;
    for (const c of seq) {
      t = Math.max(t + d[prev * n1 + c]! / speed, ws[c]!);
      this.startT[c] = t;
      t += service[c]!;
      prev = c;
    }
    let latest = this.m.end[r]!;
    let next = 0;
    for (let k = seq.length - 1; k >= 0; k--) {
      const c = seq[k]!;
      latest = Math.min(we[c]!, latest - d[c * n1 + next]! / speed - service[c]!);
      this.latest[c] = latest;
      next = c;
    }
  }

  /** Can u go between positions k−1 and k of route r? O(1): loads, refrigeration, then the time slack. */
  canInsert(r: number, u: number, k: number): boolean {
    const m = this.m;
    if (m.cold[u] && !m.fridge[r]) return false;
    if (this.load[r]! + m.demand[u]! > m.cap[r]! + 1e-9) return false;
    if (this.vol[r]! + m.volume[u]! > m.capVol[r]! + 1e-9) return false;
    if (!m.timed) return true;
    const seq = this.routes[r]!;
    const { d, n1 } = m;
    const speed = m.speed[r]!;
    const prev = k === 0 ? 0 : seq[k - 1]!;
    const next = k === seq.length ? 0 : seq[k]!;
    const depart = k === 0 ? m.start[r]! : this.startT[prev]! + m.service[prev]!;
    const t = Math.max(depart + d[prev * n1 + u]! / speed, m.ws[u]!);
    if (t > m.we[u]! + 1e-9) return false;
    const arrive = t + m.service[u]! + d[u * n1 + next]! / speed;
    return next === 0 ? arrive <= m.end[r]! + 1e-9 : arrive <= this.latest[next]! + 1e-9;
  }

  /** Distance plus a lexicographic penalty per unassigned customer and a tie-break per vehicle used. */
  cost(penalty: number) {
    return this.total + penalty * this.unassigned.length + 1e-6 * this.used;
  }
}

/** Clarke–Wright parallel savings: every customer alone, then merge route ends by decreasing saving while feasible. */
export function savingsRoutes(m: Model, customers: number[]): number[][] {
  const { d, n1 } = m;
  const R = m.cap.length;
  // a merged route must suit at least one vehicle type; one representative per type is enough
  const reps: number[] = [];
  const seenType = new Set<number>();
  for (let r = 0; r < R; r++) if (!seenType.has(m.typeOf[r]!)) (seenType.add(m.typeOf[r]!), reps.push(r));
  const fits = (seq: number[]) => reps.some((r) => routeFeasible(m, r, seq));
  const routeId = new Int32Array(n1).fill(-1);
  const routes = new Map<number, number[]>();
  for (const c of customers) {
    routes.set(c, [c]);
    routeId[c] = c;
  }
  const pairs: { i: number; j: number; s: number }[] = [];
  for (let a = 0; a < customers.length; a++) {
    for (let b = a + 1; b < customers.length; b++) {
      const i = customers[a]!;
      const j = customers[b]!;
      const s = d[i]! + d[j]! - d[i * n1 + j]!;
      if (s > 0) pairs.push({ i, j, s });
    }
  }
  pairs.sort((x, y) => y.s - x.s || x.i - y.i || x.j - y.j);
  for (const { i, j } of pairs) {
    const ri = routeId[i]!;
    const rj = routeId[j]!;
    if (ri === rj) continue;
    const A = routes.get(ri)!;
    const B = routes.get(rj)!;
    const iEnd = A[A.length - 1] === i;
    const iStart = A[0] === i;
    const jEnd = B[B.length - 1] === j;
    const jStart = B[0] === j;
    if (!(iEnd || iStart) || !(jEnd || jStart)) continue;
    // orient so that i is A's tail and j is B's head, then try the mirror image for windows
    const a = iEnd ? A : A.slice().reverse();
    const b = jStart ? B : B.slice().reverse();
    let merged = a.concat(b);
    if (!fits(merged)) {
      merged = b.concat(a).reverse();
      if (!fits(merged)) continue;
    }
    routes.delete(rj);
    routes.set(ri, merged);
    for (const c of merged) routeId[c] = ri;
  }
  return [...routes.values()];
}

/** Gives routes to vehicles, largest load first into the smallest vehicle that can drive it. */
function assignVehicles(m: Model, routes: number[][], s: State) {
  const order = routes.map((seq, k) => ({ seq, k, load: seq.reduce((t, c) => t + m.demand[c]!, 0) }));
  order.sort((x, y) => y.load - x.load || x.k - y.k);
  const R = m.cap.length;
  const byCap = Array.from({ length: R }, (_, r) => r).sort((x, y) => m.cap[x]! - m.cap[y]! || x - y);
  for (const { seq } of order) {
    const r = byCap.find((v) => s.routes[v]!.length === 0 && routeFeasible(m, v, seq));
    if (r === undefined) s.unassigned.push(...seq);
    else s.setRoute(r, seq);
  }
}

/** Solves a problem; every returned route is feasible for its vehicle (checked again before returning). */
export function solve(problem: VrpProblem, opts: SolveOptions = {}): SolveResult {
  const clock = opts.clock ?? (() => performance.now());
  const t0 = clock();
  const timeLimit = opts.timeLimitMs ?? 5000;
  const maxIterations = opts.maxIterations ?? Infinity;
  const m = toModel(problem);
  const rand = prng(opts.seed ?? 1);
  const { d, n1 } = m;
  const penalty = 100 * (m.maxDistance + 1);

  const reasons = new Map<number, UnassignedReason>();
  const customers: number[] = [];
  for (let c = 1; c < n1; c++) {
    const why = infeasibleAlone(m, c);
    if (why) reasons.set(c, why);
    else customers.push(c);
  }

  // Neighbour lists: every customer's others by distance (string removals walk them; the local search takes a prefix).
  const adj: Int32Array[] = new Array(n1);
  for (const c of customers) {
    const others = customers.slice().sort((x, y) => d[c * n1 + x]! + d[x * n1 + c]! - d[c * n1 + y]! - d[y * n1 + c]! || x - y);
    adj[c] = Int32Array.from(others);
  }
  const K = Math.min(opts.neighbours ?? DEFAULT_NEIGHBOURS, Math.max(0, customers.length - 1));

  let current = new State(m);
  assignVehicles(m, savingsRoutes(m, customers), current);
  const initialDistance = current.total;
  // customers the savings routes could not place (fleet too small) get a chance at the cheapest free spot
  if (current.unassigned.length) recreate(current, current.unassigned.splice(0), rand, 0);
  localSearch(current, customers, adj, K, rand);
  let best = new State(m, current);

  // Temperatures scale with the typical edge, so one schedule serves CVRPLIB units and kilometres alike.
  const avgEdge = customers.length ? current.total / (customers.length + Math.max(1, current.used)) : 1;
  const T0 = 1 * avgEdge;
  const Tf = 0.01 * avgEdge;
  let iterations = 0;
  if (customers.length > 1) {
    for (;;) {
      const elapsed = clock() - t0;
      if (iterations >= maxIterations || elapsed >= timeLimit) break;
      const progress = Number.isFinite(maxIterations) ? Math.max(iterations / maxIterations, elapsed / timeLimit) : elapsed / timeLimit;
      const T = T0 * Math.pow(Tf / T0, progress);
      iterations++;
      const cand = new State(m, current);
      const removed = ruin(cand, customers, adj, rand);
      const again = cand.unassigned.splice(0);
      recreate(cand, removed.concat(again), rand, BLINK_RATE);
      localSearch(cand, removed, adj, K, rand);
      const c = cand.cost(penalty);
      if (c < current.cost(penalty) - T * Math.log(rand())) current = cand;
      if (c < best.cost(penalty) - 1e-9) {
        localSearch(cand, customers, adj, K, rand);
        best = new State(m, cand);
      }
    }
  }

  for (const c of best.unassigned) reasons.set(c, 'FLEET_FULL');
  const routes = best.routes.map((r) => r.slice());
  for (let r = 0; r < routes.length; r++) {
    if (!routeFeasible(m, r, routes[r]!)) throw new Error(`solver produced an infeasible route for vehicle ${r}`);
  }
  return {
    routes,
    unassigned: [...reasons.keys()].sort((a, b) => a - b),
    distance: best.total,
    reasons,
    initialDistance,
    iterations,
    elapsedMs: clock() - t0,
  };
}

/** SISR ruin: strings of consecutive customers cut from routes near a random seed customer. */
function ruin(s: State, customers: number[], adj: Int32Array[], rand: () => number): number[] {
  const routed = customers.length - s.unassigned.length;
  if (routed <= 0 || s.used === 0) return [];
  const avgLen = routed / s.used;
  const lsMax = Math.min(MAX_STRING, avgLen);
  const ksMax = (4 * AVG_REMOVED) / (1 + lsMax) - 1;
  const ks = Math.floor(rand() * Math.max(1, ksMax)) + 1;
  const seed = customers[Math.floor(rand() * customers.length)]!;
  const ruined = new Set<number>();
  const removed: number[] = [];
  for (const c of adj[seed]!) {
    if (ruined.size >= ks) break;
    const r = s.routeOf[c]!;
    if (r < 0 || ruined.has(r)) continue;
    const seq = s.routes[r]!;
    const L = seq.length;
    const l = Math.floor(rand() * Math.min(L, lsMax)) + 1;
    const pc = s.pos[c]!;
    const lo = Math.max(0, pc - l + 1);
    const hi = Math.min(pc, L - l);
    const st = lo + Math.floor(rand() * (hi - lo + 1));
    removed.push(...seq.slice(st, st + l));
    s.setRoute(r, seq.slice(0, st).concat(seq.slice(st + l)));
    ruined.add(r);
  }
  return removed;
}

/** Greedy reinsertion at the cheapest feasible position, in a random sort order, skipping a few positions (blinks). */
function recreate(s: State, todo: number[], rand: () => number, blink: number) {
  const m = s.m;
  const { d, n1 } = m;
  const pick = rand();
  if (pick < 4 / 11) shuffle(todo, rand);
  else if (pick < 8 / 11) todo.sort((a, b) => m.demand[b]! - m.demand[a]! || a - b);
  else if (pick < 10 / 11) todo.sort((a, b) => d[b]! - d[a]! || a - b);
  else todo.sort((a, b) => d[a]! - d[b]! || a - b);
  const R = m.cap.length;
  const triedType = new Int32Array(R).fill(-1);
  for (let t = 0; t < todo.length; t++) {
    const u = todo[t]!;
    let bestDelta = Infinity;
    let bestR = -1;
    let bestK = 0;
    for (let r = 0; r < R; r++) {
      const seq = s.routes[r]!;
      if (seq.length === 0) {
        // one empty vehicle per type stands for all its twins
        if (triedType[m.typeOf[r]!] === t) continue;
        triedType[m.typeOf[r]!] = t;
      }
      let prev = 0;
      for (let k = 0; k <= seq.length; k++) {
        const next = k === seq.length ? 0 : seq[k]!;
        const delta = d[prev * n1 + u]! + d[u * n1 + next]! - d[prev * n1 + next]!;
        if (delta < bestDelta && (blink === 0 || rand() >= blink) && s.canInsert(r, u, k)) {
          bestDelta = delta;
          bestR = r;
          bestK = k;
        }
        prev = next;
      }
    }
    if (bestR < 0) {
      s.unassigned.push(u);
      continue;
    }
    const seq = s.routes[bestR]!;
    s.setRoute(bestR, seq.slice(0, bestK).concat(u, seq.slice(bestK)));
  }
}

function shuffle<T>(a: T[], rand: () => number) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

/**
 * First-improvement local search over the given customers and their K nearest neighbours, until a full pass
 * finds nothing. Each candidate is priced in O(1) and checked for capacity in O(1); only improving ones pay for
 * a full feasibility check of the routes they would create.
 */
function localSearch(s: State, nodes: number[], adj: Int32Array[], K: number, rand: () => number) {
  if (K === 0 || nodes.length === 0) return;
  const order = nodes.slice();
  shuffle(order, rand);
  for (let pass = 0; pass < 50; pass++) {
    let improved = false;
    for (const u of order) {
      if (s.routeOf[u]! < 0) continue;
      const list = adj[u]!;
      for (let k = 1; k <= K && k < list.length; k++) {
        const v = list[k]!;
        if (s.routeOf[v]! < 0 || s.routeOf[u]! < 0) continue;
        if (tryMoves(s, u, v)) {
          improved = true;
          break;
        }
      }
    }
    if (!improved) return;
  }
}

const EPS = 1e-7;

function tryMoves(s: State, u: number, v: number): boolean {
  return relocate(s, u, v, 1) || relocate(s, u, v, 2) || relocate(s, u, v, 3) || swap(s, u, v) || twoOpt(s, u, v);
}

/** Node at position k of route r, the depot beyond either end. */
const at = (s: State, r: number, k: number) => (k < 0 || k >= s.routes[r]!.length ? 0 : s.routes[r]![k]!);

/** Applies new sequences for one or two routes if each is feasible for its vehicle. */
function commit(s: State, r1: number, seq1: number[], r2 = -1, seq2: number[] = []): boolean {
  if (!routeFeasible(s.m, r1, seq1)) return false;
  if (r2 >= 0 && !routeFeasible(s.m, r2, seq2)) return false;
  s.setRoute(r1, seq1);
  if (r2 >= 0) s.setRoute(r2, seq2);
  return true;
}

/** Or-opt / relocate: move the segment of `len` customers starting at u next to v (after v, or before it), either way round. */
function relocate(s: State, u: number, v: number, len: number): boolean {
  const m = s.m;
  const { d, n1 } = m;
  const ru = s.routeOf[u]!;
  const rv = s.routeOf[v]!;
  const pu = s.pos[u]!;
  const su = s.routes[ru]!;
  if (pu + len > su.length) return false;
  const last = su[pu + len - 1]!;
  const segLoad = s.prefix[last]! - s.prefix[u]! + m.demand[u]!;
  if (ru !== rv && s.load[rv]! + segLoad > m.cap[rv]! + 1e-9) return false;
  const pv = s.pos[v]!;
  if (ru === rv && pv >= pu && pv < pu + len) return false;
  const x = at(s, ru, pu - 1);
  const y = at(s, ru, pu + len);
  const gain = d[x * n1 + u]! + d[last * n1 + y]! - d[x * n1 + y]!;
  // after v (a = v) or before v (a = pred v)
  for (const a of [v, at(s, rv, pv - 1)]) {
    if (ru === rv && (a === x || (a !== 0 && s.pos[a]! >= pu && s.pos[a]! < pu + len))) continue;
    const b = a === 0 ? at(s, rv, 0) : at(s, rv, s.pos[a]! + 1);
    if (ru === rv && b === u) continue;
    const base = d[a * n1 + b]!;
    const fwd = d[a * n1 + u]! + d[last * n1 + b]! - base;
    const rev = len > 1 ? d[a * n1 + last]! + d[u * n1 + b]! - base : Infinity;
    const add = Math.min(fwd, rev);
    if (add - gain >= -EPS) continue;
    const seg = su.slice(pu, pu + len);
    if (rev < fwd) seg.reverse();
    const withoutSeg = su.slice(0, pu).concat(su.slice(pu + len));
    if (ru === rv) {
      const ia = a === 0 ? 0 : withoutSeg.indexOf(a) + 1;
      const next = withoutSeg.slice(0, ia).concat(seg, withoutSeg.slice(ia));
      if (commit(s, ru, next)) return true;
    } else {
      const sv = s.routes[rv]!;
      const ia = a === 0 ? 0 : s.pos[a]! + 1;
      if (commit(s, ru, withoutSeg, rv, sv.slice(0, ia).concat(seg, sv.slice(ia)))) return true;
    }
  }
  return false;
}

/** Exchange u and v (not neighbours on one route: relocate covers that). */
function swap(s: State, u: number, v: number): boolean {
  const m = s.m;
  const { d, n1 } = m;
  const ru = s.routeOf[u]!;
  const rv = s.routeOf[v]!;
  const pu = s.pos[u]!;
  const pv = s.pos[v]!;
  if (ru === rv && Math.abs(pu - pv) <= 1) return false;
  if (ru !== rv) {
    const du = m.demand[u]!;
    const dv = m.demand[v]!;
    if (s.load[ru]! - du + dv > m.cap[ru]! + 1e-9 || s.load[rv]! - dv + du > m.cap[rv]! + 1e-9) return false;
  }
  const xu = at(s, ru, pu - 1);
  const yu = at(s, ru, pu + 1);
  const xv = at(s, rv, pv - 1);
  const yv = at(s, rv, pv + 1);
  const delta =
    d[xu * n1 + v]! + d[v * n1 + yu]! - d[xu * n1 + u]! - d[u * n1 + yu]! + d[xv * n1 + u]! + d[u * n1 + yv]! - d[xv * n1 + v]! - d[v * n1 + yv]!;
  if (delta >= -EPS) return false;
  const a = s.routes[ru]!.slice();
  if (ru === rv) {
    a[pu] = v;
    a[pv] = u;
    return commit(s, ru, a);
  }
  const b = s.routes[rv]!.slice();
  a[pu] = v;
  b[pv] = u;
  return commit(s, ru, a, rv, b);
}

/**
 * 2-opt within a route (reverse the stretch between u and v so that they become adjacent) and 2-opt* between
 * routes (exchange tails so that u and v become adjacent, or join their heads and tails reversed).
 */
function twoOpt(s: State, u: number, v: number): boolean {
  const m = s.m;
  const { d, n1 } = m;
  const ru = s.routeOf[u]!;
  const rv = s.routeOf[v]!;
  const pu = s.pos[u]!;
  const pv = s.pos[v]!;
  const A = s.routes[ru]!;
  if (ru === rv) {
    if (pu < pv) {
      // (u, su), (v, sv) → (u, v), (su, sv)
      const su = at(s, ru, pu + 1);
      const sv = at(s, ru, pv + 1);
      if (su === v) return false;
      const delta = d[u * n1 + v]! + d[su * n1 + sv]! - d[u * n1 + su]! - d[v * n1 + sv]!;
      if (delta >= -EPS) return false;
      return commit(s, ru, A.slice(0, pu + 1).concat(A.slice(pu + 1, pv + 1).reverse(), A.slice(pv + 1)));
    }
    // (xv, v), (xu, u) → (xv, xu), (v, u)
    const xv = at(s, ru, pv - 1);
    const xu = at(s, ru, pu - 1);
    if (xu === v) return false;
    const delta = d[xv * n1 + xu]! + d[v * n1 + u]! - d[xv * n1 + v]! - d[xu * n1 + u]!;
    if (delta >= -EPS) return false;
    return commit(s, ru, A.slice(0, pv).concat(A.slice(pv, pu).reverse(), A.slice(pu)));
  }
  const B = s.routes[rv]!;
  const cap = m.cap;
  // tails exchanged: A[..u] + B[v..] and B[..xv] + A[su..]
  {
    const su = at(s, ru, pu + 1);
    const xv = at(s, rv, pv - 1);
    const headA = s.prefix[u]!;
    const headB = s.prefix[v]! - m.demand[v]!;
    if (headA + s.load[rv]! - headB <= cap[ru]! + 1e-9 && headB + s.load[ru]! - headA <= cap[rv]! + 1e-9) {
      const delta = d[u * n1 + v]! + d[xv * n1 + su]! - d[u * n1 + su]! - d[xv * n1 + v]!;
      if (delta < -EPS && commit(s, ru, A.slice(0, pu + 1).concat(B.slice(pv)), rv, B.slice(0, pv).concat(A.slice(pu + 1)))) return true;
    }
  }
  // heads joined reversed: (u, su), (v, sv) → (u, v), (su, sv): A[..u] + reverse(B[..v]) and reverse(A[su..]) + B[sv..]
  {
    const su = at(s, ru, pu + 1);
    const sv = at(s, rv, pv + 1);
    const headA = s.prefix[u]!;
    const headB = s.prefix[v]!;
    if (headA + headB <= cap[ru]! + 1e-9 && s.load[ru]! - headA + s.load[rv]! - headB <= cap[rv]! + 1e-9) {
      const delta = d[u * n1 + v]! + d[su * n1 + sv]! - d[u * n1 + su]! - d[v * n1 + sv]!;
      if (delta < -EPS) {
        const newA = A.slice(0, pu + 1).concat(B.slice(0, pv + 1).reverse());
        const newB = A.slice(pu + 1).reverse().concat(B.slice(pv + 1));
        if (commit(s, ru, newA, rv, newB)) return true;
      }
    }
  }
  return false;
}
