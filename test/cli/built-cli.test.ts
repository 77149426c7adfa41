import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';

// The built command (`npm test` builds dist/ before Jest runs) in a process of its own, as a user
// runs it: what it writes on stderr is its own, and Node's errors are plain Node errors (under
// Jest they come from another realm, and the SDK's retries wrap them).
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const DEMO = join(__dirname, '..', '..', 'dist', 'demo.js');
// Without the SDK's switch that the test run sets (jest.config.js): the CLI must set it itself.
const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, AWS_PROFILE: _profile, ...env } = process.env;
const cliEnv = (endpoint: string) => ({ ...env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NO_COLOR: '1' });

function runBuilt(args: string[], endpoint: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...cliEnv(endpoint), ...extraEnv } }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
}

/** As `| head -1` leaves it once it has read its line: the reading end of stdout closed. */
function runBuiltIntoClosedPipe(args: string[], endpoint: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(endpoint), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closing = (server: Server) => new Promise((resolve) => server.close(resolve));

/**
 * A CloudFormation that knows one stack of this template, and refuses every other call: enough
 * for `status` to print a report (its unread parts shown as unknown).
 */
function stackOnlyAws(): Server {
  const member = (entries: Record<string, string>, key: string, value: string) =>
    Object.entries(entries).map(([k, v]) => `<member><${key}>${k}</${key}><${value}>${v}</${value}></member>`).join('');
  const parameters = { Timestamp: '2026-10-23T01-57-00Z', ApiKeyRotationSchedule: 'Monthly', ApiURL: '' };
  const outputs = { ApiKeyId: 'm2m1k7sybf', ApiKeySecretArn: 'arn:x', CloudFrontURL: 'https://d1.cloudfront.net', DistributionId: 'E2QWRUHEXAMPLE', UsagePlanId: 'plan01' };
  const describeStacks = '<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>edge-api</StackName>' +
    '<StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus>' +
    `<CreationTime>2026-01-01T00:00:00Z</CreationTime><Parameters>${member(parameters, 'ParameterKey', 'ParameterValue')}</Parameters>` +
    `<Outputs>${member(outputs, 'OutputKey', 'OutputValue')}</Outputs></member></Stacks></DescribeStacksResult>` +
    '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>';
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const found = body.includes('Action=DescribeStacks');
      response.writeHead(found ? 200 : 403, { 'content-type': 'text/xml', 'x-amzn-requestid': '1' });
      response.end(found ? describeStacks : '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error><RequestId>1</RequestId></ErrorResponse>');
    });
  });
}

describe('the built command', () => {
  it('prints only its own error line when nothing listens at the endpoint, with exit code 2 (not 1, an unhealthy stack): no SDK notice before it', async () => {
    const { code, stdout, stderr } = await runBuilt(['status', '--stack-name', 'edge-api'], 'http://127.0.0.1:9'); // nothing listens on 9

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: Nothing accepts connections at 127.0.0.1:9 (ECONNREFUSED): check AWS_ENDPOINT_URL if you set one (is the emulator running?), and --region.\n');
  });

  it('refuses a profile that no shared file defines in one line, without the SDK\'s warning about the access keys also set', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'profiles-'));
    writeFileSync(join(directory, 'config'), '[profile ops]\nregion = eu-west-1\n');
    writeFileSync(join(directory, 'credentials'), '');
    const files = { AWS_CONFIG_FILE: join(directory, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(directory, 'credentials') };

    const { code, stderr } = await runBuilt(['status', '--stack-name', 'edge-api', '--profile', 'nosuch'], 'http://127.0.0.1:9', files);
    rmSync(directory, { recursive: true, force: true });

    expect(code).toBe(2);
    expect(stderr).toBe('error: The AWS profile "nosuch" (from --profile) is defined in neither the shared config file (~/.aws/config) nor the credentials file (~/.aws/credentials): check its name (aws configure list-profiles), or create it with aws configure --profile nosuch.\n');
  });

  it('prints its help on stdout and nothing on stderr', async () => {
    const { code, stdout, stderr } = await runBuilt(['--help'], 'http://127.0.0.1:9');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^cloudfront-api-key-rotation: deploy, rotate and check/);
    expect(stdout).not.toContain('NodeVersionSupportWarning');
    expect(stderr).toBe('');
  });

  it("prints package.json's version with --version", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

    const { code, stdout, stderr } = await runBuilt(['--version'], 'http://127.0.0.1:9');

    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
    expect(stderr).toBe('');
  });

  it('reports a connection cut in the middle of an answer as a network failure, not as an answer from elsewhere', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.write('<DescribeStacksResponse><DescribeStacksResult>', () => response.destroy());
    });
    const address = await listening(server);

    try {
      const { code, stderr } = await runBuilt(['status', '--stack-name', 'edge-api'], `http://${address}`);

      expect(code).toBe(1);
      expect(stderr).toBe('error: Could not reach AWS (ECONNRESET). Check the network and --region, or AWS_ENDPOINT_URL if you set one.\n');
    } finally {
      await closing(server);
    }
  });

  it('says in one sentence that an https:// AWS_ENDPOINT_URL leads to a server that speaks plain HTTP', async () => {
    const server = createServer((_request, response) => response.end('plain HTTP'));
    const address = await listening(server);

    try {
      const { code, stdout, stderr } = await runBuilt(['status', '--stack-name', 'edge-api'], `https://${address}`);

      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        'error: The TLS handshake with AWS failed (EPROTO): the endpoint does not speak HTTPS. If AWS_ENDPOINT_URL names a plain-HTTP server (a local emulator, say), give it with http://; otherwise check for a proxy in the way.\n',
      );
    } finally {
      await closing(server);
    }
  });
});

describe('the built command, writing to a pipe its reader has closed', () => {
  let server: Server;
  let endpoint = '';
  beforeAll(async () => {
    server = stackOnlyAws();
    endpoint = `http://${await listening(server)}`;
  });
  afterAll(() => closing(server));

  it.each([
    [['--help']],
    [['deploy', '--help']],
    [['status', '--stack-name', 'edge-api']],
  ])('%j ends quietly, with the exit code it has when read to the end', async (args) => {
    const { code: readToTheEnd, stdout } = await runBuilt(args, endpoint);

    const { code, stderr } = await runBuiltIntoClosedPipe(args, endpoint);

    expect(stdout).not.toBe('');
    expect(stderr).toBe('');
    expect(code).toBe(readToTheEnd);
  });
});

describe('the built demo', () => {
  // It bundles the CLI's main: the CLI must not run on the demo's own arguments.
  it("starts with the demo's first step", async () => {
    const child = spawn(process.execPath, [DEMO], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));

    // Killed at its first line: the emulator it may have started ends with it (its stdin closes).
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (/\S.*\n/.test(stdout)) resolve();
    }));
    child.kill('SIGKILL');

    expect(stdout.trimStart()).toMatch(/^== 1\. Start a local AWS emulator/);
    expect(stderr).toBe('');
  });
});

describe('the built demo and benchmark', () => {
  // Each is stopped where it would start the emulator (spawn refused): the switch that keeps the
  // SDK's Node support notice out of their output must be set by then, as the CLI sets it.
  it.each([['demo.js'], ['benchmark.js']])("%s sets the SDK's switch against its Node support notice", async (script) => {
    const directory = mkdtempSync(join(tmpdir(), 'notice-'));
    const preload = join(directory, 'switch.js');
    const report = join(directory, 'switch');
    writeFileSync(preload, [
      "require('node:child_process').spawn = () => { throw new Error('no emulator in this test'); };",
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED)));`,
    ].join('\n'));

    await new Promise((resolve) => execFile(process.execPath, ['--require', preload, join(__dirname, '..', '..', 'dist', script)], { env }, resolve));

    const value = readFileSync(report, 'utf8');
    rmSync(directory, { recursive: true, force: true });
    expect(value).toBe('true');
  });
});

// --help and a refused argument need none of the AWS SDK: loading it all at start cost the CLI
// 120 MiB to print its help (npm run benchmark prints the start-up figures).
describe('the built command loads only what a command uses', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['status', '--stack-name', 'edge-api', '--region', 'US EAST 1']],
  ])('%j loads no AWS SDK client', async (args) => {
    const directory = mkdtempSync(join(tmpdir(), 'loaded-'));
    const preload = join(directory, 'loaded.js');
    const report = join(directory, 'loaded.json');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));\n`);

    await new Promise((resolve) => execFile(process.execPath, ['--require', preload, CLI, ...args], { env: cliEnv('http://127.0.0.1:9') }, resolve));

    const loaded: string[] = JSON.parse(readFileSync(report, 'utf8'));
    rmSync(directory, { recursive: true, force: true });
    expect(loaded.some((path) => path.includes(`${sep}cli.js`))).toBe(true);
    expect(loaded.filter((path) => path.includes(`@aws-sdk${sep}client-`))).toEqual([]);
  });
});
