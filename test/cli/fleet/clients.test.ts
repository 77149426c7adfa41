import { REFRESH_BEFORE_EXPIRY_MS, sharedCredentials } from '../../../scripts/cli/fleet/clients';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function countingProvider(results: (() => Promise<{ accessKeyId: string; secretAccessKey: string; expiration?: Date }>)[]) {
  let calls = 0;
  const provider = async () => results[Math.min(calls++, results.length - 1)]();
  return { provider, calls: () => calls };
}

const valid = (minutes: number, id = 'A') => async () => ({ accessKeyId: id, secretAccessKey: 's', expiration: new Date(NOW + minutes * 60_000) });

describe('sharedCredentials', () => {
  it('asks once for all the clients that ask at once', async () => {
    const { provider, calls } = countingProvider([valid(60)]);
    const shared = sharedCredentials(provider, () => NOW);

    const got = await Promise.all([shared(), shared(), shared()]);

    expect(calls()).toBe(1);
    expect(got.map((c) => c.accessKeyId)).toEqual(['A', 'A', 'A']);
  });

  it.each([
    ['still valid beyond the refresh margin', NOW + REFRESH_BEFORE_EXPIRY_MS - 60_000, 1, 'A'],
    ['within the refresh margin of expiry', NOW + 56 * 60_000, 2, 'B'],
  ])('asks again only when the credentials are %s', async (_, later, expectedCalls, expectedKey) => {
    const { provider, calls } = countingProvider([valid(60, 'A'), valid(120, 'B')]);
    let clock = NOW;
    const shared = sharedCredentials(provider, () => clock);
    await shared();
    clock = later;

    const again = await shared();

    expect(calls()).toBe(expectedCalls);
    expect(again.accessKeyId).toBe(expectedKey);
  });

  it('asks again after a failure instead of keeping it', async () => {
    const { provider, calls } = countingProvider([() => Promise.reject(new Error('AccessDenied')), valid(60)]);
    const shared = sharedCredentials(provider, () => NOW);
    await expect(shared()).rejects.toThrow('AccessDenied');

    const again = await shared();

    expect(calls()).toBe(2);
    expect(again.accessKeyId).toBe('A');
  });
});
