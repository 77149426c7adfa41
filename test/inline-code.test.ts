import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  FUNCTIONS,
  ZipFileNotFoundError,
  bundleFunction,
  withInlineCode,
} from '../scripts/build-lambda';
import { node24 } from '../scripts/node24';
import { type RecordedRequest, type RequestRecorder, startRecorder } from './support/request-recorder';
import { parseTemplate, readTemplate } from '../scripts/template';
import { STACK_ID, gateEvent } from './key-gate.fixtures';

const deployed = readTemplate();
const inlineCode = (template: string, logicalId = 'RotationFunction'): string =>
  parseTemplate(template).Resources[logicalId].Properties.Code.ZipFile;

describe.each(FUNCTIONS)('the deployable template\'s $logicalId', ({ logicalId, entry }) => {
  let built: string;
  beforeAll(async () => {
    built = await bundleFunction(entry);
  });

  it('holds exactly what the current source builds to (run `npm run build` after changing lambda/)', () => {
    expect(inlineCode(deployed, logicalId)).toBe(built);
  });

});

// The runtime loads each function's inline code as CommonJS index.js. Loaded here on the machine's
// Node (which runs the tests and the CLI) and on Node 24, the major version of the Lambda runtime
// nodejs24.x, each with an event it answers without calling AWS. Every request the code sends goes
// to a local recorder (AWS_ENDPOINT_URL included), so nothing leaves the machine and an unexpected
// AWS call shows.
const NODES = [
  { name: "the machine's Node", directory: 'machine-node', node: () => process.execPath, version: process.version },
  { name: "Node 24, the Lambda runtime's major version", directory: 'node24', node: node24, version: 'v24.' },
];

let recorder: RequestRecorder;
let recorderUrl: string;
let received: RecordedRequest[];

beforeAll(async () => {
  recorder = await startRecorder();
  recorderUrl = recorder.url;
  received = recorder.received;
});

afterAll(() => recorder.close());

beforeEach(() => {
  received.length = 0;
});

it('loads below every function the build writes into the template', () => {
  expect(FUNCTIONS.map((f) => f.logicalId)).toEqual(['RotationFunction', 'VerifierFunction', 'KeyGateFunction', 'OriginHeaderFunction']);
});

describe.each(NODES)("the deployable template's inline code on $name", ({ directory, node, version }) => {
  /** `handler(event, context)` of the function's index.js in a fresh process: its output lines, the Node version first, the outcome last. */
  async function invoke(logicalId: string, event: unknown): Promise<string[]> {
    const cwd = join(__dirname, '..', 'dist', 'inline-code-test', directory, logicalId);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'index.js'), inlineCode(deployed, logicalId));
    const script = [
      'console.log(process.version);',
      `require("./index.js").handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 60000 })`,
      '  .then((result) => console.log("resolved", JSON.stringify(result)), (error) => console.log("rejected", error.name));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(node(), ['-e', script], {
      cwd,
      env: {
        ...process.env,
        // What the template sets.
        STACK_NAME: 'edge-api',
        HEALTH_CHECK_PATH: '/pets',
        TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:edge-api-notices',
        STACK_ID,
        HEALTH_URL: `${recorderUrl}/prod/pets`,
        DISTRIBUTION_ID: 'E2QWRUHAPOMQZL',
        ORIGIN_DOMAIN: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
        // What the runtime sets, and provides: the AWS SDK v3 (here, the project's).
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        NODE_PATH: join(__dirname, '..', 'node_modules'),
        AWS_ENDPOINT_URL: recorderUrl,
      },
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0].startsWith(version)).toBe(true);
    return lines;
  }

  it('RotationFunction: refuses an event without a time, with a JSON log line', async () => {
    const [, logLine, outcome, ...rest] = await invoke('RotationFunction', {});

    expect(JSON.parse(logLine)).toMatchObject({ stack: 'edge-api', result: 'failed', error: 'InvalidEventError' });
    expect(outcome).toBe('rejected InvalidEventError');
    expect(rest).toEqual([]);
    expect(received).toEqual([]);
  });

  it("VerifierFunction: ignores another stack's status change", async () => {
    const otherStack = STACK_ID.replace('/edge-api/', '/other-api/');
    const lines = await invoke('VerifierFunction', { 'detail-type': 'CloudFormation Stack Status Change', detail: { 'stack-id': otherStack } });

    expect(lines.slice(1)).toEqual(['ignored', 'resolved "ignored"']);
    expect(received).toEqual([]);
  });

  it('KeyGateFunction: answers a Delete on the ResponseURL, with an empty Content-Type as it is signed', async () => {
    const [, logLine, outcome, ...rest] = await invoke('KeyGateFunction', { ...gateEvent('Delete'), ResponseURL: `${recorderUrl}/answer?X-Amz-Signature=abc` });

    const answer = { Status: 'SUCCESS', PhysicalResourceId: 'KeyGate-existing', StackId: STACK_ID, RequestId: 'request-1', LogicalResourceId: 'KeyGate' };
    expect(JSON.parse(logLine)).toMatchObject({ requestType: 'Delete', ...answer });
    expect(JSON.parse(outcome.replace(/^resolved /, ''))).toMatchObject(answer);
    expect(rest).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/answer?X-Amz-Signature=abc', contentType: '' });
    expect(JSON.parse(received[0].body)).toMatchObject(answer);
  });

  it("OriginHeaderFunction: answers another stack's request FAILED on the ResponseURL, and calls CloudFront for nothing", async () => {
    const forged = { ...gateEvent('Create', { DistributionId: 'E2QWRUHAPOMQZL' }), StackId: STACK_ID.replace('/edge-api/', '/other-api/'), ResponseURL: `${recorderUrl}/answer?X-Amz-Signature=abc` };

    const [, logLine, outcome, ...rest] = await invoke('OriginHeaderFunction', forged);

    expect(JSON.parse(logLine)).toMatchObject({ requestType: 'Create', Status: 'FAILED', Reason: expect.stringMatching(/^ForeignStackError: /) });
    expect(outcome).toMatch(/^resolved /);
    expect(rest).toEqual([]);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /answer?X-Amz-Signature=abc']);
  });
});

describe.each(NODES)("the deployable key gate on $name, sent another stack's request", ({ directory, node }) => {
  it('answers FAILED and asks nothing of the URL it names', async () => {
    const cwd = join(__dirname, '..', 'dist', 'inline-code-test', directory, 'KeyGateForged');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'index.js'), inlineCode(deployed, 'KeyGateFunction'));
    const forged = { ...gateEvent('Create'), StackId: STACK_ID.replace('/edge-api/', '/other-api/'), ResponseURL: `${recorderUrl}/answer`, ResourceProperties: { ...gateEvent('Create').ResourceProperties, Url: `${recorderUrl}/steal` } };
    const script = `require("./index.js").handler(${JSON.stringify(forged)}, { getRemainingTimeInMillis: () => 60000 }).then((r) => console.log(JSON.stringify(r)))`;

    const { stdout } = await promisify(execFile)(node(), ['-e', script], {
      cwd,
      env: { ...process.env, STACK_ID, HEALTH_URL: `${recorderUrl}/prod/pets`, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NODE_PATH: join(__dirname, '..', 'node_modules'), AWS_ENDPOINT_URL: recorderUrl },
    });

    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('ForeignStackError') });
    expect(received.map((r) => r.url)).toEqual(['/answer']);
  });
});

describe('withInlineCode', () => {
  const template = [
    'Resources:',
    '  Other:',
    '    Properties:',
    '      Code:',
    '        ZipFile: |',
    '          other code',
    '  RotationFunction:',
    '    Properties:',
    '      Code:',
    '        ZipFile: |',
    '          old line 1',
    '          old line 2',
    '',
    '  Next:',
    '    Type: X',
  ].join('\n');

  it("replaces only the named function's block and keeps what follows", () => {
    const result = withInlineCode(template, 'RotationFunction', 'new();\n');

    expect(result).toBe(template.replace('          old line 1\n          old line 2', '          new();'));
    expect(inlineCode(result)).toBe('new();\n');
    expect(parseTemplate(result).Resources.Other.Properties.Code.ZipFile).toBe('other code\n');
  });

  it('says which resource has no ZipFile block', () => {
    expect(() => withInlineCode(template, 'Missing', 'x')).toThrow(ZipFileNotFoundError);
    expect(() => withInlineCode(template, 'Missing', 'x')).toThrow('Missing');
  });
});

