// When EventBridge Scheduler invokes the cron expressions the template can hold, in their time
// zone, across the 2027 daylight saving shifts of Europe/Berlin (forward on 28 March at 02:00,
// back on 31 October at 03:00).
import { scheduleTimes } from '../scripts/emulator/scheduler-times';

const times = (expression: string, timeZone: string, from: string, to: string) =>
  scheduleTimes(expression, timeZone, new Date(from), new Date(to)).map((time) => time.toISOString().replace('.000Z', 'Z'));

describe('scheduleTimes', () => {
  it.each([
    {
      what: 'daily 09:30 Berlin, across the spring shift: 08:30Z in CET, 07:30Z in CEST, once a day',
      expression: 'cron(30 9 * * ? *)', timeZone: 'Europe/Berlin', from: '2027-03-26T00:00:00Z', to: '2027-03-30T00:00:00Z',
      expected: ['2027-03-26T08:30:00Z', '2027-03-27T08:30:00Z', '2027-03-28T07:30:00Z', '2027-03-29T07:30:00Z'],
    },
    {
      what: 'daily 09:30 Berlin, across the autumn shift: 07:30Z in CEST, 08:30Z in CET, once a day',
      expression: 'cron(30 9 * * ? *)', timeZone: 'Europe/Berlin', from: '2027-10-29T00:00:00Z', to: '2027-11-02T00:00:00Z',
      expected: ['2027-10-29T07:30:00Z', '2027-10-30T07:30:00Z', '2027-10-31T08:30:00Z', '2027-11-01T08:30:00Z'],
    },
    {
      what: '02:30 Berlin does not exist on 28 March: skipped that day',
      expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin', from: '2027-03-27T00:00:00Z', to: '2027-03-30T00:00:00Z',
      expected: ['2027-03-27T01:30:00Z', '2027-03-29T00:30:00Z'],
    },
    {
      what: '02:30 Berlin occurs twice on 31 October: runs once, at the first (CEST)',
      expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin', from: '2027-10-30T00:00:00Z', to: '2027-11-02T00:00:00Z',
      expected: ['2027-10-30T00:30:00Z', '2027-10-31T00:30:00Z', '2027-11-01T01:30:00Z'],
    },
    {
      what: 'the 1st and 15th of each month',
      expression: 'cron(0 6 1,15 * ? *)', timeZone: 'UTC', from: '2027-01-01T00:00:00Z', to: '2027-03-01T00:00:00Z',
      expected: ['2027-01-01T06:00:00Z', '2027-01-15T06:00:00Z', '2027-02-01T06:00:00Z', '2027-02-15T06:00:00Z'],
    },
    {
      what: 'every second month from January, in Berlin time (CET, then CEST)',
      expression: 'cron(0 4 1 1/2 ? *)', timeZone: 'Europe/Berlin', from: '2027-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z',
      expected: ['2027-01-01T03:00:00Z', '2027-03-01T03:00:00Z', '2027-05-01T02:00:00Z', '2027-07-01T02:00:00Z', '2027-09-01T02:00:00Z', '2027-11-01T03:00:00Z'],
    },
    {
      what: 'every third month from January: the quarters',
      expression: 'cron(0 4 1 1/3 ? *)', timeZone: 'UTC', from: '2027-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z',
      expected: ['2027-01-01T04:00:00Z', '2027-04-01T04:00:00Z', '2027-07-01T04:00:00Z', '2027-10-01T04:00:00Z'],
    },
    {
      what: 'in UTC the clock never shifts',
      expression: 'cron(30 2 * * ? *)', timeZone: 'UTC', from: '2027-03-27T00:00:00Z', to: '2027-03-30T00:00:00Z',
      expected: ['2027-03-27T02:30:00Z', '2027-03-28T02:30:00Z', '2027-03-29T02:30:00Z'],
    },
    {
      what: 'from is included, to is not; the 31st only in months that have one',
      expression: 'cron(0 0 31 * ? *)', timeZone: 'UTC', from: '2027-01-31T00:00:00Z', to: '2027-05-31T00:00:00Z',
      expected: ['2027-01-31T00:00:00Z', '2027-03-31T00:00:00Z'],
    },
  ])('$what', ({ expression, timeZone, from, to, expected }) => {
    expect(times(expression, timeZone, from, to)).toEqual(expected);
  });

  it.each([
    'rate(1 day)',
    'cron(30 9 ? * MON *)',
    'cron(0/5 9 * * ? *)',
    'cron(30 9 * JAN ? *)',
    'cron(30 9 * * ? 2027)',
    'cron(30 24 * * ? *)',
    'cron(30 9 32 * ? *)',
    'cron(30 9 * 0/3 ? *)',
  ])('refuses %s', (expression) => {
    expect(() => scheduleTimes(expression, 'UTC', new Date('2027-01-01T00:00:00Z'), new Date('2027-02-01T00:00:00Z'))).toThrow(
      new RegExp(`^Unsupported schedule expression "${expression.replace(/[()*?/]/g, '\\$&')}"`),
    );
  });

  it('refuses an unknown time zone', () => {
    expect(() => scheduleTimes('cron(30 9 * * ? *)', 'Europe/Nowhere', new Date('2027-01-01T00:00:00Z'), new Date('2027-01-02T00:00:00Z'))).toThrow(RangeError);
  });
});
