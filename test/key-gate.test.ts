import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ANSWER_MARGIN_MS, createKeyGate, keySecretPrefixOf } from '../lambda/key-gate';
import { HEALTH_URL, SECRET_ARN, STACK_ID, gateEvent } from './key-gate.fixtures';

// A made-up key value: it may appear in the request to the API and nowhere else.
const KEY_VALUE = 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P';
// Where a forged request would like the key to go.
const ELSEWHERE = 'https://collector.example.net/keys';

const cloudformation = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
let clock: number;
let sleeps: number[];
let statuses: number[];
let requests: { url: string; headers: Record<string, string> }[];
let answers: { url: string; body: string }[];
// What the invocation returns: a caller invoking the function synchronously reads it.
let results: unknown[];
let logs: string[];
let remainingMs: number;
let putFails: boolean;

/** The gate with recording stand-ins for its requests, clock and log; `stackId` is its environment's STACK_ID. */
const gateOf = (stackId: string) => createKeyGate({
  stackId,
  healthUrl: HEALTH_URL,
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
  get: async (url, headers) => {
    requests.push({ url, headers });
    return statuses.length > 1 ? statuses.shift()! : statuses[0];
  },
  put: async (url, body) => {
    if (putFails) throw new Error('The answer to CloudFormation was refused with HTTP 403');
    answers.push({ url, body });
  },
  now: () => clock,
  sleep: async (milliseconds) => {
    sleeps.push(milliseconds);
    clock += milliseconds;
  },
  log: (record) => logs.push(JSON.stringify(record)),
});
const gate = gateOf(STACK_ID);
const run = async (event: CloudFormationCustomResourceEvent, keyGate = gate) => results.push(await keyGate(event, { getRemainingTimeInMillis: () => remainingMs }));
const answer = () => JSON.parse(answers[0].body);
/** Every request, answer, log line and invocation result that carries the key value, named by where it went. */
const keyCarriers = () => [
  ...requests.filter((r) => JSON.stringify(r).includes(KEY_VALUE)).map((r) => `GET ${r.url}`),
  ...answers.filter((a) => JSON.stringify(a).includes(KEY_VALUE)).map((a) => `PUT ${a.url}`),
  ...logs.filter((line) => line.includes(KEY_VALUE)).map((line) => `log ${line}`),
  ...results.filter((result) => JSON.stringify(result).includes(KEY_VALUE)).map(() => 'result'),
];

beforeEach(() => {
  cloudformation.reset();
  secrets.reset();
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'edge-api', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY_VALUE });
  clock = 1_000_000;
  sleeps = [];
  statuses = [200];
  requests = [];
  answers = [];
  results = [];
  logs = [];
  remainingMs = 900_000;
  putFails = false;
});

describe('the key gate, when a rotation reaches it', () => {
  it.each(['Create', 'Update'] as const)('on %s, asks the API stage directly with the new key and answers SUCCESS once it accepts it', async (type) => {
    await run(gateEvent(type));

    expect(requests).toEqual([{ url: HEALTH_URL, headers: { 'x-api-key': KEY_VALUE } }]);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_ARN });
    expect(answers[0].url).toBe(gateEvent(type).ResponseURL);
    expect(answer()).toEqual({
      Status: 'SUCCESS',
      Reason: `The API accepted key newkey0001: GET ${HEALTH_URL} answered 200 at attempt 1, after 0 s.`,
      PhysicalResourceId: type === 'Create' ? 'KeyGate-3f1c6a60-7a3e-11ef-9c2b-0a1b2c3d4e5f' : 'KeyGate-existing',
      StackId: STACK_ID,
      RequestId: 'request-1',
      LogicalResourceId: 'KeyGate',
    });
  });

  it('waits out the activation delay of a new key, retrying with a growing pause', async () => {
    statuses = [403, 403, 403, 200];

    await run(gateEvent('Update'));

    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: `The API accepted key newkey0001: GET ${HEALTH_URL} answered 200 at attempt 4, after 7 s.` });
  });

  it('caps the pause between attempts at 20 s', async () => {
    statuses = [403, 403, 403, 403, 403, 403, 403, 200];

    await run(gateEvent('Update'));

    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 20000, 20000]);
  });

  it.each([
    [403, '403'],
    [0, 'nothing'],
  ])('answers FAILED when the API keeps answering %s until the bound, naming the URL, the last status and the attempts', async (status, shown) => {
    statuses = [status];

    await run(gateEvent('Update', { TimeoutSeconds: '30' }));

    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 15000]);
    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason:
        `The key gate stopped the rotation: the API did not accept the new key newkey0001. GET ${HEALTH_URL} answered ${shown} ` +
        '(the last of 6 attempts over 30 s). CloudFront was not switched to it.',
      PhysicalResourceId: 'KeyGate-existing',
    });
  });

  it("keeps its bound inside the function's own timeout, so it always answers", async () => {
    statuses = [403];
    remainingMs = 60_000;

    await run(gateEvent('Update', { TimeoutSeconds: '840' }));

    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(60_000 - ANSWER_MARGIN_MS);
    expect(answer().Status).toBe('FAILED');
  });

  it('sends the key value only to the API, never in its answer or its log', async () => {
    statuses = [403];

    await run(gateEvent('Update', { TimeoutSeconds: '5' }));

    expect(requests.length).toBeGreaterThan(1);
    expect(new Set(keyCarriers())).toEqual(new Set([`GET ${HEALTH_URL}`]));
  });

  it('answers FAILED with the error when something unexpected fails, and still answers', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));

    await run(gateEvent('Update'));

    expect(answer()).toMatchObject({ Status: 'FAILED', Reason: 'AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue' });
    expect(requests).toEqual([]);
  });

  it('fails the invocation when CloudFormation refuses the answer, so Lambda retries it', async () => {
    putFails = true;

    await expect(run(gateEvent('Update'))).rejects.toThrow('The answer to CloudFormation was refused with HTTP 403');
  });
});

describe('the key gate lets pass at once, testing nothing,', () => {
  it('a deletion', async () => {
    await run(gateEvent('Delete'));

    expect(answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'KeyGate-existing' });
    expect(requests).toEqual([]);
    expect(cloudformation.calls()).toEqual([]);
  });

  it.each(['UPDATE_ROLLBACK_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'] as const)('any request while the stack is in %s', async (StackStatus) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'edge-api', StackStatus, CreationTime: new Date() }] });
    statuses = [403];

    await run(gateEvent('Update'));

    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: `The stack is in ${StackStatus}: the gate lets the rollback pass.` });
    expect(cloudformation.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
    expect(requests).toEqual([]);
    expect(secrets.calls()).toEqual([]);
  });

  // A deploy that changes only the gate's bound, say: the key CloudFront sends stays the same.
  it('an update that keeps the key', async () => {
    const event = gateEvent('Update', { TimeoutSeconds: '60' });
    const unchanged = { ...event, OldResourceProperties: { ...event.ResourceProperties, TimeoutSeconds: '300' } } as CloudFormationCustomResourceEvent;

    await run(unchanged);

    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: 'Key newkey0001 is the one CloudFront already sends: this update changes no key, so there is nothing to test.' });
    expect(requests).toEqual([]);
    expect(secrets.calls()).toEqual([]);
  });

  it('a new key when the gate is off (TimeoutSeconds 0)', async () => {
    await run(gateEvent('Update', { TimeoutSeconds: '0' }));

    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: 'The gate is off (KeyGateTimeoutSeconds is 0): key newkey0001 was not tested.' });
    expect(requests).toEqual([]);
    expect(secrets.calls()).toEqual([]);
  });
});

// Anyone allowed to invoke the function can send it any request, with a ResponseURL of their own.
describe('the key gate, sent a forged request,', () => {
  const forged = { ResponseURL: `${ELSEWHERE}/answer` };

  it.each([
    ['a stack whose name extends this one', STACK_ID.replace('/edge-api/', '/edge-api-2/')],
    ['a stack of the same name in another Region', STACK_ID.replace('eu-west-1', 'us-east-1')],
    ['a stack of the same name in another account', STACK_ID.replace('123456789012', '210987654321')],
    ['an earlier stack of the same name, since deleted', STACK_ID.replace('3f1c6a60', '00000000')],
  ])('for %s, answers FAILED and reads neither its status nor any secret', async (_case, StackId) => {
    await run(gateEvent('Update', {}, { ...forged, StackId }));

    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason: `ForeignStackError: Stack "${StackId}" is not this key gate's own (STACK_ID): nothing was read or tested.`,
    });
    expect(cloudformation.calls()).toEqual([]);
    expect(secrets.calls()).toEqual([]);
    expect(requests).toEqual([]);
    expect(keyCarriers()).toEqual([]);
  });

  it("for another stack's deletion, answers FAILED rather than SUCCESS", async () => {
    await run(gateEvent('Delete', {}, { ...forged, StackId: STACK_ID.replace('/edge-api/', '/other-api/') }));

    expect(answer()).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/^ForeignStackError: /) });
  });

  it.each([
    ['a secret of a stack whose name extends this one', SECRET_ARN.replace(':secret:edge-api/', ':secret:edge-api-2/')],
    ['the same secret name in another Region', SECRET_ARN.replace('eu-west-1', 'us-east-1')],
    ['the same secret name in another account', SECRET_ARN.replace('123456789012', '210987654321')],
    ['the same secret name in another partition', SECRET_ARN.replace('arn:aws:', 'arn:aws-us-gov:')],
    ['another secret of this stack, not a key secret', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/database-password-AbCdEf'],
    ['a key secret name without the ARN', 'edge-api/cloudfront-api-key/2026-11-23T10-00-00Z'],
    ['the key secrets prefix with no name after it', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/'],
    ['a key secret ARN with something appended', `${SECRET_ARN} arn:aws:secretsmanager:eu-west-1:210987654321:secret:x`],
    ['an ARN of another service', 'arn:aws:ssm:eu-west-1:123456789012:parameter/edge-api/cloudfront-api-key/x'],
  ])('for %s, answers FAILED without reading it', async (_case, SecretArn) => {
    await run(gateEvent('Update', { SecretArn }, forged));

    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason:
        `ForeignSecretError: SecretArn "${SecretArn}" is not a key secret of this stack ` +
        '(arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/*): it was not read.',
    });
    expect(secrets.calls()).toEqual([]);
    expect(requests).toEqual([]);
    expect(keyCarriers()).toEqual([]);
  });

  it('with a Url of its own, sends the key to the health-check URL of its environment only', async () => {
    await run(gateEvent('Update', { Url: ELSEWHERE }, forged));

    expect(requests.map((r) => r.url)).toEqual([HEALTH_URL]);
    expect(keyCarriers()).toEqual([`GET ${HEALTH_URL}`]);
    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: expect.not.stringContaining(ELSEWHERE) });
  });

  it.each([301, 302, 307, 308])('when the API answers %i, answers FAILED at once and asks no second time', async (status) => {
    statuses = [status];

    await run(gateEvent('Update', {}, forged));

    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(keyCarriers()).toEqual([`GET ${HEALTH_URL}`]);
    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason:
        `KeyRedirectedError: GET ${HEALTH_URL} answered ${status}, a redirect: the gate follows none with a key. ` +
        'CloudFront was not switched to key newkey0001.',
    });
  });

  it.each([
    ['not a number', 'forever'],
    ['negative', '-1'],
  ])('with a TimeoutSeconds that is %s, answers FAILED without reading the secret', async (_case, TimeoutSeconds) => {
    await run(gateEvent('Update', { TimeoutSeconds }, forged));

    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason: `InvalidTimeoutError: TimeoutSeconds "${TimeoutSeconds}" is not a number of seconds: no key was tested.`,
    });
    expect(secrets.calls()).toEqual([]);
    expect(requests).toEqual([]);
    expect(keyCarriers()).toEqual([]);
  });
});

describe("the key gate, when the stack's status cannot be read,", () => {
  it.each([
    [
      'because the read is denied',
      () => cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' })),
      'AccessDenied',
    ],
    ['because no stack comes back', () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] }), 'no status returned'],
  ])('%s, answers FAILED and reads no secret and tests no key', async (_case, arrange, cause) => {
    arrange();

    await run(gateEvent('Update'));

    expect(answer()).toMatchObject({
      Status: 'FAILED',
      Reason: `StackStatusUnreadableError: The status of stack ${STACK_ID} could not be read (${cause}): no key was read or tested.`,
    });
    expect(secrets.calls()).toEqual([]);
    expect(requests).toEqual([]);
    expect(keyCarriers()).toEqual([]);
  });
});

describe('keySecretPrefixOf', () => {
  it.each([
    [STACK_ID, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/'],
    [
      'arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/Edge-2/3f1c6a60-7a3e-11ef-9c2b-0a1b2c3d4e5f',
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:Edge-2/cloudfront-api-key/',
    ],
    ['', ''],
    ['edge-api', ''],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api', ''],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stackset/edge-api:3f1c6a60', ''],
  ])('of %j is %j', (stackId, prefix) => {
    expect(keySecretPrefixOf(stackId)).toBe(prefix);
  });

  it('makes the gate refuse every request when STACK_ID is not a stack ARN', async () => {
    await run(gateEvent('Update', {}, { StackId: '' }), gateOf(''));

    expect(answer()).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/^ForeignStackError: /) });
    expect([...cloudformation.calls(), ...secrets.calls()]).toEqual([]);
  });
});
