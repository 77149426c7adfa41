// The built inline code on Node 24, the major version of the Lambda runtime nodejs24.x (the machine
// may run an older Node): the scheduled rotation end to end, as the runtime would load it, and the
// CLI. The key gate's code runs on Node 24 in every end-to-end test (startLocalAws): checked here
// from the user agent of its AWS calls, as moto's request recorder stores them.
import { waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalAws, emulatorWaiter, startLocalAws } from '../../scripts/emulator/local-stack';
import { NODE24 } from '../../scripts/node24';
import { parseTemplate, readTemplate } from '../../scripts/template';
import { deployStack, keyState, scheduledEvent } from './e2e.fixtures';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
let aws: LocalAws;
// moto's recorder writes to a file in the emulator's working directory unless told otherwise.
const recordings = mkdtempSync(join(tmpdir(), 'runtime-node-'));

// An emulator of its own, not the worker's shared one: the recorder's file is named in the
// environment the emulator starts with.
beforeAll(async () => {
  process.env.MOTO_RECORDER_FILEPATH = join(recordings, 'moto-recording');
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
  delete process.env.MOTO_RECORDER_FILEPATH;
  rmSync(recordings, { recursive: true, force: true });
});

/** The requests the emulator receives while `action` runs, as moto's recorder stores them. */
async function recorded(action: () => Promise<unknown>): Promise<{ headers: Record<string, string> }[]> {
  const recorder = (step: string) => fetch(`${aws.emulator.endpoint}/moto-api/recorder/${step}`, { method: step === 'download-recording' ? 'GET' : 'POST' });
  await recorder('reset-recording');
  await recorder('start-recording');
  try {
    await action();
  } finally {
    await recorder('stop-recording');
  }
  const lines = (await (await recorder('download-recording')).text()).trim().split('\n');
  return lines.filter(Boolean).map((line) => JSON.parse(line));
}

const awsEnv = () => {
  // Without the switch the test run sets (jest.config.js): what a user's shell has.
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, ...env } = process.env;
  return { ...env, AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NO_COLOR: '1' };
};

it('runs the key gate, a custom resource, on Node 24', async () => {
  const requests = await recorded(() => deployStack(aws, 'gate-node24'));

  // Only the key gate reads the key's secret: it tests the new key's value against the API.
  const gateReads = requests.filter((r) => r.headers['X-Amz-Target'] === 'secretsmanager.GetSecretValue');
  expect(gateReads.length).toBeGreaterThan(0);
  for (const { headers } of gateReads) expect(headers['User-Agent']).toMatch(/ md\/nodejs#24\./);
});

it("rotates through the template's built rotation code, run on Node 24 as the runtime loads it", async () => {
  await deployStack(aws, 'on-node24');
  const before = await keyState(aws, 'on-node24');
  const directory = join(ROOT, 'dist', 'runtime-node24');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'index.js'), parseTemplate(readTemplate()).Resources.RotationFunction.Properties.Code.ZipFile);
  const script = `console.log(process.version); require("./index.js").handler(${JSON.stringify(scheduledEvent('2026-11-23T10:00:00Z'))})`;

  const { stdout } = await promisify(execFile)(NODE24, ['-e', script], {
    cwd: directory,
    // The runtime provides the AWS SDK v3: here, the project's node_modules.
    env: { ...awsEnv(), STACK_NAME: 'on-node24', NODE_PATH: join(ROOT, 'node_modules') },
  });

  const [version, log] = stdout.trim().split('\n');
  expect(version).toMatch(/^v24\./);
  expect(JSON.parse(log)).toMatchObject({ stack: 'on-node24', timestamp: '2026-11-23T10-00-00Z', result: 'started' });
  await waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'on-node24' });
  const after = await keyState(aws, 'on-node24');
  expect(after.keyId).not.toBe(before.keyId);
  expect(after.keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
  expect(after.header).toBe(after.keyValue);
});

it('runs the built CLI on Node 24, quietly', async () => {
  await deployStack(aws, 'cli-node24');

  const { stdout, stderr } = await promisify(execFile)(NODE24, [join(ROOT, 'dist', 'cli.js'), 'status', '--stack-name', 'cli-node24'], { env: awsEnv() });

  expect(stdout).toContain('Healthy.');
  expect(stderr).toBe('');
});
