import { Worker } from 'node:worker_threads';
import { type SolveOptions, type SolveResult } from './vrp-solver.rules.ts';
import type { VrpProblem } from './vrp.rules.ts';

/** Solves in a worker thread, so a plan's seconds of CPU do not stall the process's other requests. */
export function solveInWorker(problem: VrpProblem, options: SolveOptions): Promise<SolveResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./solver.worker.mjs', import.meta.url), { workerData: { problem, options: { ...options, clock: undefined } } });
    worker.once('message', (m: { ok: true; result: SolveResult } | { ok: false; message: string }) => {
      if (m.ok) resolve(m.result);
      else reject(new Error(m.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`solver worker exited with ${code}`)));
  });
}
