import { defineModule, type KitModule, type Started } from '@omniroute/core/kit';
import { ColdChainService, type ColdChainDeps } from './cold-chain.service.ts';
import { DEFAULT_ESCALATE_AFTER_MINUTES } from './cold-chain.rules.ts';
import { coldChainPolicies } from './cold-chain.policies.ts';
import { coldChainResolvers } from './resolvers/index.ts';

export interface ColdChainOptions {
  /** Minutes a cold-chain alert may stay unacknowledged before it escalates (default: env COLD_CHAIN_ESCALATE_AFTER_MINUTES, else 15). */
  coldChainEscalateAfterMinutes?: number;
  /** How often the escalation sweep runs (ms; default: env COLD_CHAIN_SWEEP_MS, else 30 000; 0: never, tests call escalateDue). */
  coldChainSweepMs?: number;
}

const envNumber = (name: string) => (process.env[name] && Number.isFinite(Number(process.env[name])) ? Number(process.env[name]) : undefined);
export const escalateAfterMinutes = (opts: ColdChainOptions) => opts.coldChainEscalateAfterMinutes ?? envNumber('COLD_CHAIN_ESCALATE_AFTER_MINUTES') ?? DEFAULT_ESCALATE_AFTER_MINUTES;

/** Cold-chain alerts: excursions of refrigerated vehicles' readings, acknowledged or escalated. */
export const coldChainModule: KitModule<{ coldChain: ColdChainService }> = defineModule({
  name: 'cold-chain',
  resolvers: coldChainResolvers,
  policies: coldChainPolicies,
  services: (deps: ColdChainDeps) => ({ coldChain: new ColdChainService(deps) }),
});

/** Alerts nobody acknowledged escalate on a timer (a system job across tenants). */
export const escalationJob = ({ opts, services }: Started<ColdChainOptions, unknown, { coldChain: ColdChainService }>) => {
  const sweepMs = opts.coldChainSweepMs ?? envNumber('COLD_CHAIN_SWEEP_MS') ?? 30_000;
  return sweepMs > 0 ? services.coldChain.startEscalation(sweepMs) : null;
};
