// The emulator's processes: no function runner outlives its invocation's timeout or the emulator,
// however the emulator ends, and a server that dies is reported rather than left for the CLI to
// meet as ECONNREFUSED. A test function writes its runner's process ID to a file and then never
// ends.
import { CloudFormationClient, CreateStackCommand, waitUntilStackCreateComplete } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EMULATOR_PYTHON, emulatorClientConfig, startEmulator } from '../../scripts/emulator/launch';
import { emulatorWaiter, get } from '../../scripts/emulator/local-stack';
import { node24 } from '../../scripts/node24';
import { PROJECT_ROOT } from '../../scripts/paths';

jest.setTimeout(120_000);

const directory = mkdtempSync(join(tmpdir(), 'runners-'));
const SLEEPER = `exports.handler = async (event) => {
  require('node:fs').writeFileSync(event.pidFile, String(process.pid));
  await new Promise(() => setInterval(() => undefined, 1000));
};`;
const template = (timeout: number) => JSON.stringify({
  Resources: {
    Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
    Sleeper: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'sleeper', Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: timeout, Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { ZipFile: SLEEPER } } },
  },
});

// Every runner started, killed at the end should a test fail and leave it running.
const runners: number[] = [];
afterAll(() => runners.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL')));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Whether the process has ended within 3 s. */
async function ends(pid: number): Promise<boolean> {
  for (let i = 0; i < 30 && alive(pid); i += 1) await sleep(100);
  return !alive(pid);
}

/** Creates the sleeper function and starts it: InvocationType `Event`, or the answer of a RequestResponse. Resolves with its runner's process ID. */
async function startSleeper(endpoint: string, name: string, timeout = 900, InvocationType: 'Event' | 'RequestResponse' = 'Event') {
  const cloudformation = new CloudFormationClient(emulatorClientConfig(endpoint));
  await cloudformation.send(new CreateStackCommand({ StackName: 'sleeper', TemplateBody: template(timeout), Capabilities: ['CAPABILITY_IAM'] }));
  await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName: 'sleeper' });
  const pidFile = join(directory, `${name}.pid`);
  const answer = new LambdaClient(emulatorClientConfig(endpoint)).send(
    new InvokeCommand({ FunctionName: 'sleeper', InvocationType, Payload: Buffer.from(JSON.stringify({ pidFile })) }),
  );
  for (let i = 0; i < 100 && !existsSync(pidFile); i += 1) await sleep(100);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  runners.push(pid);
  return { pid, answer };
}

describe("a function's runner", () => {
  it('is killed at the function timeout, and the invocation answers as Lambda does', async () => {
    const emulator = await startEmulator({ node: node24() });
    try {
      const { pid, answer } = await startSleeper(emulator.endpoint, 'timeout', 1, 'RequestResponse');

      const { FunctionError, Payload } = await answer;
      expect(FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(Payload!).toString())).toEqual({ errorType: 'Error', errorMessage: 'Task timed out after 1.00 seconds' });
      expect(await ends(pid)).toBe(true);
    } finally {
      await emulator.stop();
    }
  });

  it('is killed when the emulator stops because its standard input closed (its launcher died)', async () => {
    const server = spawn(EMULATOR_PYTHON, [join(PROJECT_ROOT, 'scripts', 'emulator', 'server.py')], { env: { ...process.env, EMULATOR_NODE: node24() } });
    try {
      let stdout = '';
      server.stdout.on('data', (chunk) => (stdout += chunk));
      for (let i = 0; i < 300 && !/^ready /m.test(stdout); i += 1) await sleep(100);
      const { pid } = await startSleeper(stdout.match(/^ready (\S+)$/m)![1], 'launcher-died');
      expect(alive(pid)).toBe(true);

      server.stdin.end();
      await once(server, 'exit');

      expect(await ends(pid)).toBe(true);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe('a server that dies', () => {
  // The launcher in a process of its own, as a user runs it.
  it('ends `npm run emulator` with that line and exit code 1, its log kept and its runners killed', async () => {
    // The launcher as `npm test` built it (dist/local-aws.js), in a process of its own.
    const launcher = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'local-aws.js')]);
    const exited = once(launcher, 'exit');
    try {
      let stdout = '';
      let stderr = '';
      launcher.stdout.on('data', (chunk) => (stdout += chunk));
      launcher.stderr.on('data', (chunk) => (stderr += chunk));
      for (let i = 0; i < 300 && !stdout.includes('Ctrl-C'); i += 1) await sleep(100);
      const endpoint = stdout.match(/AWS_ENDPOINT_URL=(\S+)/)![1];
      const logFile = stdout.match(/^Its log .*: (\S+)$/m)![1];
      const server = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(launcher.pid)]).toString().trim());
      const { pid: runner } = await startSleeper(endpoint, 'server-died');

      process.kill(server, 'SIGKILL');
      const [code] = await exited;

      expect(code).toBe(1);
      expect(stderr).toBe(`The emulator stopped unexpectedly (signal SIGKILL). Its log: ${logFile}\n`);
      await expect(get(`${endpoint}/moto-api/data.json`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(await ends(runner)).toBe(true);
      expect(existsSync(logFile)).toBe(true);
      rmSync(dirname(logFile), { recursive: true });
    } finally {
      launcher.kill('SIGTERM'); // stops it as Ctrl-C does, should it still run
    }
  });
});
