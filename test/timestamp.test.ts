import { clientRequestTokenFor, timestampFrom } from '../lambda/timestamp';

describe('timestampFrom', () => {
  it.each([
    ['2026-11-22T01:57:00Z', '2026-11-22T01-57-00Z'],
    ['2026-11-22T01:57:00.999Z', '2026-11-22T01-57-00Z'],
    ['2026-11-22T03:57:00+02:00', '2026-11-22T01-57-00Z'],
    ['2027-01-01T00:00:00Z', '2027-01-01T00-00-00Z'],
  ])('turns %s into %s', (time, timestamp) => {
    expect(timestampFrom(new Date(time))).toBe(timestamp);
  });

  it('writes only characters a secret name allows', () => {
    expect(timestampFrom(new Date('2026-11-22T01:57:00Z'))).toMatch(/^[A-Za-z0-9/_+=.@-]+$/);
  });
});

describe('clientRequestTokenFor', () => {
  it('fits the ClientRequestToken pattern and length', () => {
    const token = clientRequestTokenFor(timestampFrom(new Date('2026-11-22T01:57:00Z')));

    expect(token).toBe('rotate-2026-11-22T01-57-00Z');
    expect(token).toMatch(/^[a-zA-Z0-9][-a-zA-Z0-9]*$/);
    expect(token.length).toBeLessThanOrEqual(128);
  });
});
