import { describe, expect, it } from 'vitest';
import { money } from '@omniroute/core';
import {
  GUILD_LEVELS, bonusFor, canTake, earningsWithBonus, guildLevel, levelFor, nextLevelOf, prioritiesBelow, prioritiesFor, xpFor, xpForTask, xpRangeOf, xpToNextLevel,
} from './guild.ts';

describe('levelFor', () => {
  it.each([
    [0, 'Starter'], [499, 'Starter'], [500, 'Bronze'], [1999, 'Bronze'], [2000, 'Silver'], [4999, 'Silver'], [5000, 'Gold'],
    [14999, 'Gold'], [15000, 'Diamond'], [49999, 'Diamond'], [50000, 'Master'], [10_000_000, 'Master'],
  ])('%i XP is %s', (xp, name) => {
    expect(levelFor(xp).name).toBe(name);
  });

  it('refuses negative or fractional XP', () => {
    expect(() => levelFor(-1)).toThrow(RangeError);
    expect(() => levelFor(1.5)).toThrow(RangeError);
  });

  it('knows the next level and the XP still needed', () => {
    expect(nextLevelOf(levelFor(499))?.name).toBe('Bronze');
    expect(xpToNextLevel(499)).toBe(1);
    expect(xpToNextLevel(500)).toBe(1500);
    expect(xpToNextLevel(49_999)).toBe(1);
    expect(nextLevelOf('MASTER')).toBeNull();
    expect(xpToNextLevel(50_000)).toBeNull();
  });

  it('gives each level an XP range that tiles the axis', () => {
    expect(xpRangeOf('STARTER')).toEqual({ min: 0, max: 499 });
    expect(xpRangeOf('DIAMOND')).toEqual({ min: 15_000, max: 49_999 });
    expect(xpRangeOf('MASTER')).toEqual({ min: 50_000, max: null });
  });
});

describe('bonuses', () => {
  it('has the roadmap percentages; Master keeps Diamond’s +20%', () => {
    expect(GUILD_LEVELS.map((l) => [l.name, l.minXp, l.bonusPercent])).toEqual([
      ['Starter', 0, 0], ['Bronze', 500, 5], ['Silver', 2000, 10], ['Gold', 5000, 15], ['Diamond', 15000, 20], ['Master', 50000, 20],
    ]);
    expect(bonusFor('BRONZE').toString()).toBe('0.05');
    expect(bonusFor(levelFor(0)).toString()).toBe('0');
  });

  it('never loses a benefit going up a level: bonus and task access only grow', () => {
    for (let i = 1; i < GUILD_LEVELS.length; i++) {
      expect(GUILD_LEVELS[i]!.bonusPercent).toBeGreaterThanOrEqual(GUILD_LEVELS[i - 1]!.bonusPercent);
      expect(prioritiesFor(GUILD_LEVELS[i]!).length).toBeGreaterThanOrEqual(prioritiesFor(GUILD_LEVELS[i - 1]!).length);
    }
  });

  it('computes the bonus in exact decimals, rounded half-even to minor units', () => {
    const r = earningsWithBonus(money('2500.00', 'NGN'), 'BRONZE');
    expect([r.base.amount.toFixed(2), r.bonus.amount.toFixed(2), r.total.amount.toFixed(2), r.bonusPercent]).toEqual(['2500.00', '125.00', '2625.00', 5]);
    // 0.1 + 0.2 style traps: 10% of 0.35 is 0.035 → 0.04 (half-even keeps 4), never 0.034999…
    const s = earningsWithBonus(money('0.35', 'GHS'), 'SILVER');
    expect(s.bonus.amount.toFixed(2)).toBe('0.04');
    expect(s.total.amount.toString()).toBe('0.39');
    // 15% of 12.25 = 1.8375 → 1.84; XOF has no minor units
    expect(earningsWithBonus(money('12.25', 'GHS'), 'GOLD').total.amount.toString()).toBe('14.09');
    expect(earningsWithBonus(money('1001', 'XOF'), 'DIAMOND').bonus.amount.toString()).toBe('200');
    expect(earningsWithBonus(money('1000', 'NGN'), 'STARTER').total.amount.toString()).toBe('1000');
    expect(earningsWithBonus(money('1000', 'NGN'), 'MASTER').bonus.amount.toString()).toBe('200');
  });
});

describe('task access', () => {
  it('unlocks priority tasks at Bronze, premium at Silver, VIP at Gold, leadership at Diamond', () => {
    expect(prioritiesFor(levelFor(0))).toEqual(['STANDARD']);
    expect(prioritiesFor(levelFor(500))).toEqual(['PRIORITY', 'STANDARD']);
    expect(prioritiesFor(levelFor(2000))).toEqual(['PREMIUM', 'PRIORITY', 'STANDARD']);
    expect(prioritiesFor(levelFor(5000))[0]).toBe('VIP');
    expect(prioritiesFor(levelFor(15000))[0]).toBe('LEADERSHIP');
    expect(prioritiesFor(levelFor(50000))[0]).toBe('LEADERSHIP');
    expect(canTake(levelFor(499), 'PRIORITY')).toBe(false);
    expect(canTake(levelFor(4999), 'VIP')).toBe(false);
  });
});

describe('xpFor', () => {
  it('pays 10–100 XP for a completed task by complexity', () => {
    expect(xpFor({ kind: 'TASK_COMPLETED', complexity: 1 })).toBe(10);
    expect(xpFor({ kind: 'TASK_COMPLETED', complexity: 7 })).toBe(70);
    expect(xpFor({ kind: 'TASK_COMPLETED', complexity: 10 })).toBe(100);
    expect(() => xpFor({ kind: 'TASK_COMPLETED', complexity: 0 })).toThrow(RangeError);
    expect(() => xpFor({ kind: 'TASK_COMPLETED', complexity: 11 })).toThrow(RangeError);
    expect(() => xpFor({ kind: 'TASK_COMPLETED', complexity: 2.5 })).toThrow(RangeError);
  });

  it('pays +20 XP only for a 5-star rating', () => {
    expect([1, 2, 3, 4, 5].map((stars) => xpFor({ kind: 'RATING', stars }))).toEqual([0, 0, 0, 0, 20]);
    expect(() => xpFor({ kind: 'RATING', stars: 6 })).toThrow(RangeError);
  });

  it('pays 50–200 XP for training and 100 XP per mentee success', () => {
    expect([1, 2, 3, 5, 10].map((complexity) => xpFor({ kind: 'TRAINING_COMPLETED', complexity }))).toEqual([50, 50, 60, 100, 200]);
    expect(xpForTask('TRAINING', 10)).toBe(200);
    expect(xpForTask('DELIVERY', 10)).toBe(100);
    expect(xpFor({ kind: 'MENTEE_SUCCESS' })).toBe(100);
    expect(xpFor({ kind: 'MENTEE_SUCCESS', mentees: 3 })).toBe(300);
  });
});

describe('guild rules at their edges (issue 19, mutation testing)', () => {
  it('refuses an unknown level code, naming it', () => {
    expect(guildLevel('GOLD').minXp).toBe(5_000);
    expect(() => guildLevel('PLATINUM' as never)).toThrow('unknown guild level PLATINUM');
  });

  it('names the XP, complexity, stars or mentees it refused', () => {
    expect(() => levelFor(-1)).toThrow('XP must be a non-negative integer, got -1');
    expect(() => xpFor({ kind: 'TASK_COMPLETED', complexity: 11 })).toThrow('complexity must be an integer 1–10, got 11');
    expect(() => xpFor({ kind: 'RATING', stars: 0 })).toThrow('stars must be 1–5, got 0');
    expect(() => xpFor({ kind: 'MENTEE_SUCCESS', mentees: -1 })).toThrow('mentees must be a non-negative integer, got -1');
  });

  it('refuses ratings below 1, above 5 or fractional', () => {
    for (const stars of [0, -1, 6, 4.5]) expect(() => xpFor({ kind: 'RATING', stars }), String(stars)).toThrow(RangeError);
    expect(xpFor({ kind: 'RATING', stars: 1 })).toBe(0);
  });

  it('pays nothing for zero mentees and refuses negative or fractional counts', () => {
    expect(xpFor({ kind: 'MENTEE_SUCCESS', mentees: 0 })).toBe(0);
    expect(() => xpFor({ kind: 'MENTEE_SUCCESS', mentees: -1 })).toThrow(RangeError);
    expect(() => xpFor({ kind: 'MENTEE_SUCCESS', mentees: 1.5 })).toThrow(RangeError);
  });

  it('takes a level object as well as a code for the bonus', () => {
    const gold = GUILD_LEVELS.find((l) => l.code === 'GOLD')!;
    expect(bonusFor(gold).toString()).toBe('0.15');
    expect(earningsWithBonus(money('100', 'NGN'), gold).bonus.amount.toFixed(2)).toBe('15.00');
  });

  it('lists the priorities less exclusive than a given one, for paging in priority order', () => {
    expect(prioritiesBelow('STANDARD')).toEqual([]);
    expect(prioritiesBelow('PREMIUM')).toEqual(['STANDARD', 'PRIORITY']);
    expect(prioritiesBelow('LEADERSHIP')).toEqual(['STANDARD', 'PRIORITY', 'PREMIUM', 'VIP']);
  });
});
