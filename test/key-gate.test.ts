import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ANSWER_MARGIN_MS, createKeyGate } from '../lambda/key-gate';
import { STACK_ID, gateEvent } from './key-gate.fixtures';

// A made-up key value: it may appear in the request to the API and nowhere else.
const KEY_VALUE = 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P';
const URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/pets';

const cloudformation = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
let clock: number;
let sleeps: number[];
let statuses: number[];
let requests: { url: string; headers: Record<string, string> }[];
let answers: { url: string; body: string }[];
let logs: string[];
let remainingMs: number;
let putFails: boolean;

const gate = createKeyGate({
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
const run = (event: CloudFormationCustomResourceEvent) => gate(event, { getRemainingTimeInMillis: () => remainingMs });
const answer = () => JSON.parse(answers[0].body);

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
  logs = [];
  remainingMs = 900_000;
  putFails = false;
});

describe('the key gate, when a rotation reaches it', () => {
  it.each(['Create', 'Update'] as const)('on %s, asks the API stage directly with the new key and answers SUCCESS once it accepts it', async (type) => {
    await run(gateEvent(type));

    expect(requests).toEqual([{ url: URL, headers: { 'x-api-key': KEY_VALUE } }]);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: gateEvent(type).ResourceProperties.SecretArn });
    expect(answers[0].url).toBe(gateEvent(type).ResponseURL);
    expect(answer()).toEqual({
      Status: 'SUCCESS',
      Reason: `The API accepted key newkey0001: GET ${URL} answered 200 at attempt 1, after 0 s.`,
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
    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: `The API accepted key newkey0001: GET ${URL} answered 200 at attempt 4, after 7 s.` });
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
        `The key gate stopped the rotation: the API did not accept the new key newkey0001. GET ${URL} answered ${shown} ` +
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

  it('never puts the key value in its answer or its log', async () => {
    statuses = [403];

    await run(gateEvent('Update', { TimeoutSeconds: '5' }));

    expect(answers[0].body + logs.join('')).not.toContain(KEY_VALUE);
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

  it('a new key when the gate is off (TimeoutSeconds 0)', async () => {
    await run(gateEvent('Update', { TimeoutSeconds: '0' }));

    expect(answer()).toMatchObject({ Status: 'SUCCESS', Reason: 'The gate is off (KeyGateTimeoutSeconds is 0): key newkey0001 was not tested.' });
    expect(requests).toEqual([]);
  });
});

it("still tests the key when the stack's status cannot be read", async () => {
  cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

  await run(gateEvent('Update'));

  expect(requests).toHaveLength(1);
  expect(answer().Status).toBe('SUCCESS');
  expect(logs[0]).toBe('{"warning":"stack status unreadable","error":"AccessDenied"}');
});
