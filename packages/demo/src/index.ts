export * from './plan.ts';
export { rng } from './random.ts';
export * from './payments.ts';
