// When EventBridge Scheduler invokes a cron schedule, for the emulator's "fire a schedule" route,
// which fires at whatever time it is given: this says which times are real ones.
//
// Only the form the template uses, cron(<minute> <hour> <day-of-month> <month> ? *), with a fixed
// minute and hour. The expression is read in the schedule's time zone, and Scheduler's rule for
// daylight saving time applies (User Guide, "Schedule types on EventBridge Scheduler"): "When time
// shifts forward in the Spring, if a cron expression falls on a non-existent date and time, your
// schedule invocation is skipped. When time shifts backwards in the Fall, your schedule runs only
// once and does not repeat its invocation." The once is taken to be the first occurrence.

const FORM = /^cron\((\d{1,2}) (\d{1,2}) (\*|\d{1,2}(?:,\d{1,2})*) (\*|\d{1,2}\/\d{1,2}) \? \*\)$/;
const DAY_MS = 86_400_000;

function unsupported(expression: string, why: string): Error {
  return new Error(`Unsupported schedule expression "${expression}": ${why}; only cron(<minute> <hour> <day-of-month> <month> ? *) with day-of-month *, a number or a list (1,15) and month * or <start>/<step> (1/3)`);
}

/** Which days of the month and months the expression's fields allow. */
function parse(expression: string) {
  const match = FORM.exec(expression);
  if (!match) throw unsupported(expression, 'not of the supported form');
  const [minute, hour] = [Number(match[1]), Number(match[2])];
  const days = match[3] === '*' ? undefined : match[3].split(',').map(Number);
  const [start, step] = match[4] === '*' ? [1, 1] : match[4].split('/').map(Number);
  if (minute > 59 || hour > 23) throw unsupported(expression, 'no such minute or hour');
  if (days?.some((day) => day < 1 || day > 31)) throw unsupported(expression, 'no such day of the month');
  if (start < 1 || start > 12 || step < 1) throw unsupported(expression, 'no such month or step');
  return { minute, hour, day: (d: number) => !days || days.includes(d), month: (m: number) => m >= start && (m - start) % step === 0 };
}

/** The wall-clock time at `instant` in the zone, as the UTC milliseconds of those same fields. */
function wallClock(format: Intl.DateTimeFormat, instant: number): number {
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/**
 * The instants in [from, to) at which Scheduler invokes `expression` in the IANA `timeZone`.
 * Throws for an expression of another form, and (Intl's RangeError) for an unknown time zone.
 */
export function scheduleTimes(expression: string, timeZone: string, from: Date, to: Date): Date[] {
  const cron = parse(expression);
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const times: Date[] = [];
  // Every local date from the one before `from` to the one after `to`: a zone is at most a day away from UTC.
  const first = Math.floor(wallClock(format, from.getTime()) / DAY_MS) * DAY_MS - DAY_MS;
  for (let date = first; date <= wallClock(format, to.getTime()) + DAY_MS; date += DAY_MS) {
    const day = new Date(date);
    if (!cron.month(day.getUTCMonth() + 1) || !cron.day(day.getUTCDate())) continue;
    const wanted = date + (cron.hour * 60 + cron.minute) * 60_000;
    // The zone's offsets a day either side: the only ones that can give this wall-clock time. A time
    // that neither gives does not exist that day (skipped); one that both give occurs twice (the first).
    const offsets = new Set([wanted - DAY_MS, wanted + DAY_MS].map((near) => wallClock(format, near) - near));
    const instants = [...offsets].map((offset) => wanted - offset).filter((instant) => wallClock(format, instant) === wanted);
    if (instants.length === 0) continue;
    const instant = Math.min(...instants);
    if (instant >= from.getTime() && instant < to.getTime()) times.push(new Date(instant));
  }
  return times;
}
