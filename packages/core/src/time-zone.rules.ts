import { badUserInput } from './errors.ts';

/** Throws BAD_USER_INPUT unless `timeZone` is an IANA time zone this runtime knows (e.g. "Africa/Lagos"). */
export function checkTimeZone(timeZone: string, field = 'timeZone'): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw badUserInput(`Unknown time zone: ${timeZone}`, [field]);
  }
}

/** Offset of `timeZone` from UTC at the instant `at`, in milliseconds (Lagos: +3,600,000). */
export function zoneOffsetMs(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant the calendar day containing `now` began in `timeZone` (local midnight, as UTC). */
export function startOfDayIn(timeZone: string, now: Date): Date {
  const offset = zoneOffsetMs(timeZone, now);
  const local = new Date(now.getTime() + offset);
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  // The offset at midnight can differ from the one now (a DST change during the day): use midnight's own.
  return new Date(midnightWall - zoneOffsetMs(timeZone, new Date(midnightWall - offset)));
}
