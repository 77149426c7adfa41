import { UsageError } from '../../../scripts/cli/errors';
import { API_URLS_MAX_BYTES, apiUrlFor, parseApiUrls, readApiUrls } from '../../../scripts/cli/stack-set/api-urls';

const EAST = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod';
const WEST = 'f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/prod';
const WEST_2 = 'k1l2m3n4o5.execute-api.eu-west-1.amazonaws.com/v2';

describe('parseApiUrls', () => {
  it.each([
    ['YAML', `us-east-1: ${EAST}\n"011111111111/eu-west-1": ${WEST}\n`],
    ['JSON', JSON.stringify({ 'us-east-1': EAST, '011111111111/eu-west-1': WEST })],
  ])('reads %s, keeping an account ID\'s leading zero', (_, text) => {
    const urls = parseApiUrls(text, 'urls');

    expect([...urls]).toEqual([['us-east-1', EAST], ['011111111111/eu-west-1', WEST]]);
  });

  it.each([
    ['a list', `- ${EAST}`, /give a map from account, Region or account\/Region to an ApiURL/],
    ['broken YAML', 'us-east-1: [', /not JSON or YAML/],
    ['an unknown key', `prod: ${EAST}`, /"prod" is not an account ID, a Region or account\/Region/],
    ['a short account', `11111/us-east-1: ${EAST}`, /"11111\/us-east-1" is not an account ID/],
    ['three parts', `111111111111/us-east-1/x: ${EAST}`, /is not an account ID, a Region or account\/Region/],
    ['a URL with https://', `us-east-1: https://${EAST}`, /the ApiURL of "us-east-1" is not <api-id>\.execute-api/],
    ['an empty URL', 'us-east-1: ""', /the ApiURL of "us-east-1" is not/],
    ['a stage in another Region', `eu-west-1: ${EAST}`, /"eu-west-1" names a stage in us-east-1: a stack's API must be in its own Region/],
  ])('refuses %s, naming the file', (_, text, message) => {
    expect(() => parseApiUrls(text, 'urls.yaml')).toThrow(UsageError);
    expect(() => parseApiUrls(text, 'urls.yaml')).toThrow(message);
    expect(() => parseApiUrls(text, 'urls.yaml')).toThrow(/^--api-urls urls\.yaml: /);
  });

  it('says why a file cannot be read', () => {
    const notThere = () => { throw Object.assign(new Error('no such file'), { code: 'ENOENT' }); };
    const missing = () => readApiUrls('nowhere.yaml', { size: notThere, read: notThere });

    expect(missing).toThrow('--api-urls nowhere.yaml: cannot be read (ENOENT).');
  });

  it('refuses a file larger than any --api-urls file needs, without reading it', () => {
    const read = jest.fn(() => '');

    const tooLarge = () => readApiUrls('huge.json', { size: () => API_URLS_MAX_BYTES + 1, read });

    expect(tooLarge).toThrow(UsageError);
    expect(tooLarge).toThrow(`--api-urls huge.json: is ${API_URLS_MAX_BYTES + 1} bytes, more than any --api-urls file needs (at most ${API_URLS_MAX_BYTES})`);
    expect(read).not.toHaveBeenCalled();
  });
});

describe('apiUrlFor', () => {
  const urls = parseApiUrls(JSON.stringify({ 'eu-west-1': WEST, '111111111111': WEST_2, '222222222222/eu-west-1': WEST_2 }), 'urls');

  it.each([
    ['account/Region over Region', '222222222222', 'eu-west-1', WEST_2],
    ['Region over account', '111111111111', 'eu-west-1', WEST],
    ['account where no Region entry', '111111111111', 'us-east-1', WEST_2],
    ['nothing where no entry', '333333333333', 'us-east-1', undefined],
  ])('gives %s', (_, account, region, expected) => {
    expect(apiUrlFor(urls, account, region)).toBe(expected);
  });
});
