import { Decimal, money, round, type Money } from '@omniroute/core';

/**
 * The gig guild progression of the roadmap (Phase 4.2), as pure functions: levels by XP, the earnings bonus of
 * each level, which task priorities a level unlocks, and how much XP each source is worth.
 */

export const GUILD_LEVEL_CODES = ['STARTER', 'BRONZE', 'SILVER', 'GOLD', 'DIAMOND', 'MASTER'] as const;
export type GuildLevelCode = (typeof GUILD_LEVEL_CODES)[number];

/** Task priorities, least to most exclusive (same order as the Prisma enum, which sorts by it). */
export const TASK_PRIORITIES = ['STANDARD', 'PRIORITY', 'PREMIUM', 'VIP', 'LEADERSHIP'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export interface GuildLevel {
  code: GuildLevelCode;
  name: string;
  minXp: number;
  bonusPercent: number;
  /** Most exclusive task priority this level may see and take. */
  maxPriority: TaskPriority;
  /** The roadmap's benefits text for the level. */
  benefits: string[];
}

export const GUILD_LEVELS: readonly GuildLevel[] = Object.freeze([
  { code: 'STARTER', name: 'Starter', minXp: 0, bonusPercent: 0, maxPriority: 'STANDARD', benefits: ['Basic tasks', 'Standard pay'] },
  { code: 'BRONZE', name: 'Bronze', minXp: 500, bonusPercent: 5, maxPriority: 'PRIORITY', benefits: ['Priority tasks', '+5% earnings bonus'] },
  { code: 'SILVER', name: 'Silver', minXp: 2_000, bonusPercent: 10, maxPriority: 'PREMIUM', benefits: ['Premium tasks', '+10% bonus', 'Insurance'] },
  { code: 'GOLD', name: 'Gold', minXp: 5_000, bonusPercent: 15, maxPriority: 'VIP', benefits: ['VIP tasks', '+15% bonus', 'Equipment loan'] },
  { code: 'DIAMOND', name: 'Diamond', minXp: 15_000, bonusPercent: 20, maxPriority: 'LEADERSHIP', benefits: ['Leadership tasks', '+20% bonus', 'Mentorship'] },
  // The roadmap names no bonus for Master. Levels never lose a benefit, so Master keeps Diamond's +20% and its
  // leadership tasks; the benefits text stays the roadmap's own.
  { code: 'MASTER', name: 'Master', minXp: 50_000, bonusPercent: 20, maxPriority: 'LEADERSHIP', benefits: ['Franchise opportunities', 'Equity program'] },
] as const satisfies GuildLevel[]);

const byCode = new Map(GUILD_LEVELS.map((l) => [l.code, l]));

export function guildLevel(code: GuildLevelCode): GuildLevel {
  const l = byCode.get(code);
  if (!l) throw new RangeError(`unknown guild level ${code}`);
  return l;
}

function assertXp(xp: number): void {
  if (!Number.isSafeInteger(xp) || xp < 0) throw new RangeError(`XP must be a non-negative integer, got ${xp}`);
}

/** The level a worker with `xp` holds: the highest level whose minimum they reach. */
export function levelFor(xp: number): GuildLevel {
  assertXp(xp);
  let level = GUILD_LEVELS[0]!;
  for (const l of GUILD_LEVELS) if (xp >= l.minXp) level = l;
  return level;
}

/** The level after `level`, or null at Master. */
export function nextLevelOf(level: GuildLevel | GuildLevelCode): GuildLevel | null {
  const code = typeof level === 'string' ? level : level.code;
  return GUILD_LEVELS[GUILD_LEVEL_CODES.indexOf(code) + 1] ?? null;
}

/** XP still needed to reach the next level, or null at Master. */
export function xpToNextLevel(xp: number): number | null {
  const next = nextLevelOf(levelFor(xp));
  return next ? next.minXp - xp : null;
}

/** XP range [min, max] (max null = unbounded) of a level, for filtering workers by level. */
export function xpRangeOf(code: GuildLevelCode): { min: number; max: number | null } {
  const next = nextLevelOf(code);
  return { min: guildLevel(code).minXp, max: next ? next.minXp - 1 : null };
}

/** The level's earnings bonus as an exact fraction (Bronze → 0.05). */
export function bonusFor(level: GuildLevel | GuildLevelCode): Decimal {
  const l = typeof level === 'string' ? guildLevel(level) : level;
  return new Decimal(l.bonusPercent).div(100);
}

/** What a worker at `level` earns for a task paying `reward`: the bonus rounded to the currency's minor units. */
export function earningsWithBonus(reward: Money, level: GuildLevel | GuildLevelCode): { base: Money; bonus: Money; total: Money; bonusPercent: number } {
  const l = typeof level === 'string' ? guildLevel(level) : level;
  const base = round(reward);
  const bonus = round(money(base.amount.times(bonusFor(l)), base.currencyCode));
  return { base, bonus, total: money(base.amount.plus(bonus.amount), base.currencyCode), bonusPercent: l.bonusPercent };
}

const rank = (p: TaskPriority) => TASK_PRIORITIES.indexOf(p);

/** Whether a worker at `level` may see and take a task of `priority` (higher levels unlock more exclusive tasks). */
export function canTake(level: GuildLevel, priority: TaskPriority): boolean {
  return rank(priority) <= rank(level.maxPriority);
}

/** Priorities a level may see, most exclusive first. */
export function prioritiesFor(level: GuildLevel): TaskPriority[] {
  return TASK_PRIORITIES.filter((p) => canTake(level, p)).reverse();
}

/** Priorities strictly less exclusive than `p` (for keyset pagination in priority order). */
export function prioritiesBelow(p: TaskPriority): TaskPriority[] {
  return TASK_PRIORITIES.slice(0, rank(p));
}

/** Where XP comes from (roadmap: tasks 10–100 by complexity, 5-star ratings +20, training 50–200, mentoring 100 per mentee). */
export type XpSource =
  | { kind: 'TASK_COMPLETED'; complexity: number }
  | { kind: 'TRAINING_COMPLETED'; complexity: number }
  | { kind: 'RATING'; stars: number }
  | { kind: 'MENTEE_SUCCESS'; mentees?: number };

export const MIN_COMPLEXITY = 1;
export const MAX_COMPLEXITY = 10;

export function isComplexity(c: unknown): c is number {
  return Number.isInteger(c) && (c as number) >= MIN_COMPLEXITY && (c as number) <= MAX_COMPLEXITY;
}

function assertComplexity(c: number): void {
  if (!isComplexity(c)) throw new RangeError(`complexity must be an integer ${MIN_COMPLEXITY}–${MAX_COMPLEXITY}, got ${c}`);
}

/** XP a source is worth. */
export function xpFor(source: XpSource): number {
  switch (source.kind) {
    case 'TASK_COMPLETED':
      assertComplexity(source.complexity);
      return 10 * source.complexity; // 10–100
    case 'TRAINING_COMPLETED':
      assertComplexity(source.complexity);
      return Math.min(200, Math.max(50, 20 * source.complexity)); // 50–200
    case 'RATING':
      if (!Number.isInteger(source.stars) || source.stars < 1 || source.stars > 5) throw new RangeError(`stars must be 1–5, got ${source.stars}`);
      return source.stars === 5 ? 20 : 0;
    case 'MENTEE_SUCCESS': {
      const n = source.mentees ?? 1;
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`mentees must be a non-negative integer, got ${n}`);
      return 100 * n;
    }
  }
}

/** XP for completing a task of this kind: training pays training XP, everything else task XP. */
export function xpForTask(kind: string, complexity: number): number {
  return xpFor({ kind: kind === 'TRAINING' ? 'TRAINING_COMPLETED' : 'TASK_COMPLETED', complexity });
}

