// The rotation window: which schedule a stack gets for its parameters, which combinations the
// template's Rules refuse, and the two claims the template's choices rest on, checked against
// data this project did not write: the IANA time zone data Node carries (for the hours no
// daylight-saving change skips) and the calendar (for the stale-key alarm's thresholds).
import { scheduleTimes } from '../scripts/emulator/scheduler-times';
import { parseTemplate, readTemplate } from '../scripts/template';
import { resolveTemplate } from './support/resolve-template';
import { judgeRules } from './template-rules.fixtures';

const template = parseTemplate(readTemplate());
const { Parameters, Mappings } = template;
const pattern = (parameter: string) => new RegExp(Parameters[parameter].AllowedPattern);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const deployed = (parameters: Record<string, string>) =>
  resolveTemplate(template, {
    parameters: { Timestamp: '2026-11-22', ...parameters },
    pseudo: { 'AWS::AccountId': '123456789012', 'AWS::Region': 'eu-west-1', 'AWS::StackName': 'edge-api', 'AWS::StackId': 'arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api/0a1b2c3d' },
    refs: { RotationFunction: 'edge-api-RotationFunction-AbC', RotationSchedule: 'edge-api-RotationSchedule-XyZ', RotationScheduleGroup: 'edge-api-RotationScheduleGroup-1A2B3C' },
    attributes: {
      'RotationFunction.Arn': 'arn:aws:lambda:eu-west-1:123456789012:function:edge-api-RotationFunction-AbC',
      'RotationSchedulerRole.Arn': 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/eu-west-1/edge-api/edge-api-RotationSchedulerRole-XyZ',
      'RotationSchedule.Arn': 'arn:aws:events:eu-west-1:123456789012:rule/edge-api-RotationSchedule-XyZ',
      'RotationScheduleGroup.Arn': 'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/edge-api-RotationScheduleGroup-1A2B3C',
    },
  });

describe('without a rotation window', () => {
  it('rotates on the EventBridge rule every interval, as before, and has no Scheduler resources', () => {
    const stack = deployed({});

    expect(stack.properties('RotationSchedule')).toMatchObject({ ScheduleExpression: 'rate(1 day)' });
    expect(stack.properties('RotationPermission')).toBeDefined();
    expect(['RotationScheduleGroup', 'RotationWindow', 'RotationSchedulerRole'].map((id) => stack.properties(id))).toEqual([undefined, undefined, undefined]);
    expect(stack.value(template.Outputs.RotationSchedule.Value)).toBe('Daily (rate(1 day))');
  });
});

describe('in a rotation window', () => {
  it.each([
    [{ ApiKeyRotationSchedule: 'Daily', RotationHour: '9', RotationMinute: '30' }, 'cron(30 9 * * ? *)', 'UTC'],
    [{ ApiKeyRotationSchedule: 'Fortnightly', RotationHour: '4', RotationTimeZone: 'America/New_York' }, 'cron(0 4 1,15 * ? *)', 'America/New_York'],
    [{ ApiKeyRotationSchedule: 'Monthly', RotationHour: '21', RotationMinute: '59', RotationTimeZone: 'Europe/Berlin' }, 'cron(59 21 1 * ? *)', 'Europe/Berlin'],
    [{ ApiKeyRotationSchedule: 'Bimonthly', RotationHour: '10', RotationDayOfMonth: '28' }, 'cron(0 10 28 1/2 ? *)', 'UTC'],
    [{ ApiKeyRotationSchedule: 'Quarterly', RotationHour: '12', RotationDayOfMonth: '2', RotationTimeZone: 'Asia/Tokyo' }, 'cron(0 12 2 1/3 ? *)', 'Asia/Tokyo'],
  ])('%j runs on Scheduler at %s in %s, and no rule is left', (parameters, expression, zone) => {
    const stack = deployed(parameters);

    expect(stack.properties('RotationWindow')).toMatchObject({ ScheduleExpression: expression, ScheduleExpressionTimezone: zone, FlexibleTimeWindow: { Mode: 'OFF' }, State: 'ENABLED' });
    expect([stack.properties('RotationSchedule'), stack.properties('RotationPermission')]).toEqual([undefined, undefined]);
    expect(stack.value(template.Outputs.RotationSchedule.Value)).toBe(`${parameters.ApiKeyRotationSchedule} (${expression} in ${zone})`);
  });

  it('lets Scheduler start up to RotationWindowMinutes late', () => {
    expect(deployed({ RotationHour: '9', RotationWindowMinutes: '60' }).properties('RotationWindow')!.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: '60' });
  });

  it("sends the rotation function the schedule's scheduled time, through a role that may only invoke it", () => {
    const stack = deployed({ RotationHour: '9' });
    const { Target } = stack.properties('RotationWindow')!;
    const role = stack.properties('RotationSchedulerRole')!;

    expect(Target).toEqual({
      Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:edge-api-RotationFunction-AbC',
      RoleArn: 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/eu-west-1/edge-api/edge-api-RotationSchedulerRole-XyZ',
      Input: '{"time":"<aws.scheduler.scheduled-time>"}',
    });
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnEquals: { 'aws:SourceArn': 'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/edge-api-RotationScheduleGroup-1A2B3C' },
      },
    }]);
    expect(role.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:edge-api-RotationFunction-AbC' },
    ]);
  });
});

describe('the parameters', () => {
  it.each([
    ['RotationHour', '', true],
    ['RotationHour', '4', true],
    ['RotationHour', '21', true],
    ['RotationHour', '3', false],
    ['RotationHour', '22', false],
    ['RotationHour', '09', false],
    ['RotationMinute', '0', true],
    ['RotationMinute', '59', true],
    ['RotationMinute', '60', false],
    ['RotationMinute', '05', false],
    ['RotationDayOfMonth', '', true],
    ['RotationDayOfMonth', '28', true],
    ['RotationDayOfMonth', '29', false],
    ['RotationDayOfMonth', '0', false],
    ['RotationTimeZone', 'Europe/Berlin', true],
    ['RotationTimeZone', 'America/Argentina/Buenos_Aires', true],
    ['RotationTimeZone', 'Etc/GMT+5', true],
    ['RotationTimeZone', 'Europe/Berlin ', false],
    ['RotationTimeZone', '+01:00', false],
  ])('%s accepts %j: %s', (parameter, value, accepted) => {
    expect(pattern(parameter).test(value)).toBe(accepted);
  });

  it("allows only time zones Node's Intl knows, or that it reads as their canonical names", () => {
    const allowed = Intl.supportedValuesOf('timeZone').filter((zone) => pattern('RotationTimeZone').test(zone) && zone.length <= Parameters.RotationTimeZone.MaxLength);

    expect(allowed).toEqual(Intl.supportedValuesOf('timeZone'));
  });
});

describe("the template's rules", () => {

  it.each([
    [{ RotationMinute: '30' }, 'RotationMinute, RotationDayOfMonth, RotationTimeZone and RotationWindowMinutes need RotationHour'],
    [{ RotationTimeZone: 'Europe/Berlin' }, 'need RotationHour'],
    [{ RotationWindowMinutes: '30' }, 'need RotationHour'],
    [{ RotationHour: '9', ApiKeyRotationSchedule: 'Daily', RotationDayOfMonth: '2' }, 'RotationDayOfMonth is for the Monthly, Bimonthly and Quarterly schedules'],
    [{ RotationHour: '9', ApiKeyRotationSchedule: 'Fortnightly', RotationDayOfMonth: '2' }, 'RotationDayOfMonth is for the Monthly'],
  ])('refuse %j', (given, message) => {
    expect(judgeRules(given)).toThrow(message);
  });

  it.each([
    [{}],
    [{ RotationHour: '9' }],
    [{ RotationHour: '9', ApiKeyRotationSchedule: 'Quarterly', RotationDayOfMonth: '2', RotationTimeZone: 'Asia/Tokyo', RotationWindowMinutes: '240' }],
    [{ RotationHour: '9', ServiceRoleArn: 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn' }],
  ])('accept %j', (given) => {
    expect(judgeRules(given)).not.toThrow();
  });
});

/** Local times a daylight-saving change skips in `zone` between the two instants, as [first skipped local minute of day, minutes skipped]. */
function skippedLocalTimes(zone: string, from: number, to: number): Array<[number, number]> {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const offset = (instant: number) => {
    const name = format.formatToParts(instant).find((part) => part.type === 'timeZoneName')!.value;
    const [, sign, hours = '0', minutes = '0'] = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name) ?? [];
    return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  };
  const skipped: Array<[number, number]> = [];
  // Weekly, then a bisection to the minute: no zone changes its offset twice within a week (the
  // closest are Morocco's, about a month apart around Ramadan).
  let before = offset(from);
  for (let t = from + 7 * DAY; t < to; t += 7 * DAY) {
    const after = offset(t);
    if (after === before) continue;
    let [lo, hi] = [t - 7 * DAY, t];
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      [lo, hi] = offset(mid) === before ? [mid, hi] : [lo, mid];
    }
    if (after > before) skipped.push([Math.round(((hi / 60_000 + before) % 1440 + 1440) % 1440), after - before]);
    before = after;
  }
  return skipped;
}

describe('daylight saving time', () => {
  it('skips no local time in the hours RotationHour allows (4 to 21), in any time zone from 2026 to 2040', () => {
    const allowed = Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => pattern('RotationHour').test(String(hour)));
    const inAllowedHour = ([start, length]: [number, number]) => allowed.some((hour) => start < hour * 60 + 60 && start + length > hour * 60);
    const overlapping = Intl.supportedValuesOf('timeZone').flatMap((zone) =>
      skippedLocalTimes(zone, Date.UTC(2026, 0, 1), Date.UTC(2041, 0, 1))
        .filter(inAllowedHour)
        .map(([start, length]) => `${zone}: ${Math.floor(start / 60)}:${String(start % 60).padStart(2, '0')} +${length} min`));

    expect(overlapping).toEqual([]);
  });

  it('finds the changes it looks for: Europe/Berlin skips 2:00 to 3:00 each spring', () => {
    expect(skippedLocalTimes('Europe/Berlin', Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1))).toEqual([[120, 60]]);
  });
});

describe("the stale-key alarm's threshold in a window", () => {
  const FLEXIBLE_MS = Parameters.RotationWindowMinutes.MaxValue * 60_000;

  it.each(Object.keys(Mappings.ScheduleMap).flatMap((schedule) => ['UTC', 'Europe/Berlin', 'Pacific/Chatham'].map((zone) => [schedule, zone])))(
    '%s in %s: the longest gap between two rotations over ten years, plus the flexible window, stays under it',
    (schedule, zone) => {
      const { Days, Months, WindowStaleAfterDays } = Mappings.ScheduleMap[schedule];
      const day = Days === '1' ? '28' : Days; // the latest RotationDayOfMonth makes no gap longer than the 1st, but test it
      const times = scheduleTimes(`cron(30 9 ${day} ${Months} ? *)`, zone, new Date(Date.UTC(2027, 0, 1)), new Date(Date.UTC(2037, 0, 1)));
      const longest = Math.max(...times.slice(1).map((time, i) => time.getTime() - times[i].getTime())) + FLEXIBLE_MS;

      // The daily measurement floors the key's age to whole days; the alarm fires at the threshold.
      expect(Math.floor(longest / DAY)).toBeLessThan(WindowStaleAfterDays);
      expect(Math.floor(longest / DAY)).toBeGreaterThanOrEqual(WindowStaleAfterDays - 1);
    },
  );
});
