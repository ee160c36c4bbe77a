// Runs one solve off the main thread: a plan takes up to its time limit of pure CPU, which on the event loop
// would stall every other request of the process (in embedded mode, the whole platform).
import { parentPort, workerData } from 'node:worker_threads';
import { solve, type SolveOptions } from './vrp-solver.rules.ts';
import type { VrpProblem } from './vrp.rules.ts';

const { problem, options } = workerData as { problem: VrpProblem; options: SolveOptions };
try {
  parentPort!.postMessage({ ok: true, result: solve(problem, options) });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
}
