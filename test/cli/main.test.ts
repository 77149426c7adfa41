import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELP } from '../../scripts/cli/args';
import { main } from '../../scripts/cli/main';
import { NOT_FOUND, stack } from '../rotation.fixtures';
import { START, noSleep, recordingOutput, sdkClients } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const clients = jest.fn(() => sdkClients());
let output: ReturnType<typeof recordingOutput>;
// The profiles the shared files define here: the tests read no ~/.aws of the machine they run on.
const profiles = async () => ['default', 'ops'];
const run = (...argv: string[]) => main(argv, { output, clients, now: () => START, sleep: noSleep, nodeVersion: 'v24.9.0', profiles });

beforeEach(() => {
  [cloudformation, apigateway, lambda, sts].forEach((mock) => mock.reset());
  clients.mockClear();
  output = recordingOutput();
});

describe('main, on a Node the AWS SDK will stop supporting', () => {
  it.each([['v20.20.2'], ['v21.7.3']])('says so once, in its own words, at the end of the help (Node %s)', async (nodeVersion) => {
    await main(['--help'], { output, clients, now: () => START, sleep: noSleep, nodeVersion });

    expect(output.lines).toEqual([HELP.main, `\nNote: you run Node ${nodeVersion}. This version of the tool works on it, but AWS SDK releases after January 2027 need Node 22 or later: upgrade Node before updating this tool's dependencies.`]);
  });

  it('adds nothing to the help on Node 22 or later', async () => {
    await main(['--help'], { output, clients, now: () => START, sleep: noSleep, nodeVersion: 'v22.0.0' });

    expect(output.lines).toEqual([HELP.main]);
  });

  it('never adds it to an error', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await main(['status', '--stack-name', 'edge-api'], { output, clients, now: () => START, sleep: noSleep, nodeVersion: 'v20.20.2' });

    expect(output.errors.join('\n') + output.lines.join('\n')).not.toContain('Node');
  });
});

describe('main', () => {
  it('prints help and exits 0 without creating AWS clients', async () => {
    await expect(run('status', '--help')).resolves.toBe(0);
    expect(output.lines).toEqual([HELP.status]);
    expect(clients).not.toHaveBeenCalled();
  });

  it('passes --region and --profile to the AWS clients', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await run('status', '--stack-name', 'edge-api', '--region', 'eu-west-1', '--profile', 'ops');

    expect(clients).toHaveBeenCalledWith({ region: 'eu-west-1', profile: 'ops', verbose: false });
  });

  it('ends a usage error with one line on stderr and exit code 2', async () => {
    await expect(run('rotate')).resolves.toBe(2);
    expect(output.errors).toEqual(['error: --stack-name is required. See "cloudfront-api-key-rotation rotate --help".']);
    expect(output.lines).toEqual([]);
  });

  it.each([
    [[], 1],
    [['--verbose'], 2],
  ])('with extra flags %j prints %i error line(s): the stack trace only with --verbose', async (flags, count) => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await expect(run('rotate', '--stack-name', 'edge-api', ...flags)).resolves.toBe(2);
    expect(output.errors).toHaveLength(count);
    expect(output.errors[0]).toBe('error: Stack "edge-api" does not exist in this account and Region: check its name and Region.');
    if (count === 2) expect(output.errors[1]).toMatch(/^StackNotFoundError: .*\n\s+at /s);
  });
});

it('shows a stack trace only for a --verbose that was parsed as one', async () => {
  await run('status', '--stack-name', '--verbose');

  expect(output.errors).toEqual([expect.stringMatching(/^error: --stack-name needs a value, but the next argument starts with a dash/)]);
});

describe('main, when the AWS profile has no credentials', () => {
  // What the SDK's credential chain throws in the end, whatever the profile.
  const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false });
  const saved = process.env.AWS_PROFILE;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_PROFILE;
    else process.env.AWS_PROFILE = saved;
  });

  it.each([
    ['given with --profile', ['--profile', 'ops'], undefined],
    ['set in AWS_PROFILE', [], 'ops'],
  ])('names the profile %s', async (_case, flags, environment) => {
    if (environment === undefined) delete process.env.AWS_PROFILE;
    else process.env.AWS_PROFILE = environment;
    cloudformation.on(DescribeStacksCommand).rejects(noCredentials);

    await expect(run('status', '--stack-name', 'edge-api', ...flags)).resolves.toBe(2);
    expect(output.errors).toEqual([
      'error: No AWS credentials were found for profile "ops". Check that ~/.aws/config or ~/.aws/credentials defines it (aws configure --profile ops), or pass another --profile.',
    ]);
  });
});

describe('main, given a profile that no shared file defines', () => {
  // Before any client: the SDK would first warn in several lines when access keys are set too.
  it.each([
    ['--profile', ['--profile', 'nosuch'], {}],
    ['AWS_PROFILE', [], { AWS_PROFILE: 'nosuch' }],
  ])('refuses it, from %s, in one sentence with exit code 2, creating no client', async (from, flags, env) => {
    const code = await main(['status', '--stack-name', 'edge-api', ...flags], { output, clients, now: () => START, sleep: noSleep, env: { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'x', ...env }, profiles });

    expect(code).toBe(2);
    expect(output.errors).toEqual([
      `error: The AWS profile "nosuch" (from ${from}) is defined in neither the shared config file (~/.aws/config) nor the credentials file (~/.aws/credentials): check its name (aws configure list-profiles), or create it with aws configure --profile nosuch.`,
    ]);
    expect(clients).not.toHaveBeenCalled();
  });
});

describe('main, on an error of a command that only reads', () => {
  it.each([
    [['status', '--stack-name', 'edge-api'], 'Stack "edge-api" holds only a change set that was never executed (REVIEW_IN_PROGRESS). Execute or delete that change set first.'],
    [['rotate', '--stack-name', 'edge-api'], 'Stack "edge-api" holds only a change set that was never executed (REVIEW_IN_PROGRESS). Nothing changed; execute or delete that change set first.'],
  ])('%j says "Nothing changed" only where something could have', async (argv, message) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'REVIEW_IN_PROGRESS', Outputs: [] })] });

    await run(...argv);

    expect(output.errors).toEqual([`error: ${message}`]);
  });
});

describe('main, with --version', () => {
  it("prints package.json's version and exits 0 without creating AWS clients", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

    await expect(run('--version')).resolves.toBe(0);

    expect(output.lines).toEqual([version]);
    expect(clients).not.toHaveBeenCalled();
  });
});

describe('main, before any call to AWS', () => {
  const endpointProblem = (variable: string, value: string) =>
    `error: ${variable} "${value}" is not a URL: give one with its scheme, like http://127.0.0.1:4566, or unset ${variable} to reach AWS itself.`;

  it.each([
    ['a Region that is not a Region', ['--region', 'US EAST 1'], {}, 'error: --region "US EAST 1" is not a Region name: give one like eu-west-1. See "cloudfront-api-key-rotation status --help".'],
    ['an AWS_ENDPOINT_URL that is not a URL', [], { AWS_ENDPOINT_URL: 'not a url' }, endpointProblem('AWS_ENDPOINT_URL', 'not a url')],
    ['an AWS_ENDPOINT_URL without its scheme', [], { AWS_ENDPOINT_URL: '127.0.0.1:4566' }, endpointProblem('AWS_ENDPOINT_URL', '127.0.0.1:4566')],
    ['a service\'s own endpoint URL that is not one', [], { AWS_ENDPOINT_URL_CLOUDFORMATION: 'localhost:4566' }, endpointProblem('AWS_ENDPOINT_URL_CLOUDFORMATION', 'localhost:4566')],
  ])('refuses %s in one sentence, with exit code 2, creating no client', async (_case, flags, env, message) => {
    const code = await main(['status', '--stack-name', 'edge-api', ...flags], { output, clients, now: () => START, sleep: noSleep, env });

    expect(code).toBe(2);
    expect(output.errors).toEqual([message]);
    expect(clients).not.toHaveBeenCalled();
  });

  it('leaves endpoint URLs alone when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS tells the SDK to ignore them', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    const code = await main(['status', '--stack-name', 'edge-api'], {
      output, clients, now: () => START, sleep: noSleep, env: { AWS_ENDPOINT_URL: 'not a url', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
    });

    expect(code).toBe(2);
    expect(output.errors).toEqual(['error: Stack "edge-api" does not exist in this account and Region: check its name and Region.']);
  });
});

describe('main, on Ctrl-C', () => {
  // Every call is still under way when Ctrl-C comes.
  const underWay = () => new Promise<never>(() => undefined);
  let signals: EventEmitter;
  let exit: jest.Mock;
  const start = (...argv: string[]) => {
    void main(argv, { output, clients, now: () => START, sleep: noSleep, interruptions: { signals, exit } });
    return new Promise(setImmediate);
  };

  beforeEach(() => {
    cloudformation.onAnyCommand().callsFake(underWay);
    apigateway.onAnyCommand().callsFake(underWay);
    lambda.onAnyCommand().callsFake(underWay);
    sts.onAnyCommand().callsFake(underWay);
    signals = new EventEmitter();
    exit = jest.fn();
  });

  const follow = 'What this command started in CloudFormation goes on without it: follow stack "edge-api" with "cloudfront-api-key-rotation status --stack-name edge-api", or in the CloudFormation console\'s stack events.';
  it.each([
    [['deploy', '--stack-name', 'edge-api'], `Interrupted. ${follow}`],
    [['rotate', '--stack-name', 'edge-api'], `Interrupted. ${follow}`],
    [
      ['rotate', '--stack-name', 'edge-api', '--dry-run'],
      'Interrupted. The dry run changed nothing, but its change set may be left on stack "edge-api": list it with aws cloudformation list-change-sets --stack-name edge-api, and delete it.',
    ],
    [
      ['rotate', '--all', '--regions', 'eu-west-1'],
      'Interrupted. The rotations already started go on in CloudFormation without this command. To follow them and start the rest, rotating nothing twice, run: cloudfront-api-key-rotation rotate --all --regions eu-west-1 --since 2026-11-22T10-00-00Z',
    ],
    [
      ['rotate', '--all', '--regions', 'eu-west-1', '--since', '2026-11-22T09:00:00Z', '--accounts', '111111111111', '--role-name', "it's"],
      'Interrupted. The rotations already started go on in CloudFormation without this command. To follow them and start the rest, rotating nothing twice, run: cloudfront-api-key-rotation rotate --all --regions eu-west-1 --accounts 111111111111 --role-name \'it\'\\\'\'s\' --since 2026-11-22T09-00-00Z',
    ],
    [
      ['deploy', '--stack-set', 'edge-apis', '--regions', 'eu-west-1', '--accounts', '111111111111'],
      'Interrupted. The operation on StackSet "edge-apis" goes on in CloudFormation without this command: follow it with aws cloudformation list-stack-set-operations --stack-set-name edge-apis, or on the StackSet\'s page in the CloudFormation console.',
    ],
  ])('during %j says on stderr how to follow what goes on, and exits 130', async (argv, note) => {
    await start(...argv);

    signals.emit('SIGINT');

    expect(output.errors).toEqual([note]);
    expect(exit).toHaveBeenCalledWith(130);
  });

  it.each([
    [['status', '--stack-name', 'edge-api']],
    [['status', '--all', '--regions', 'eu-west-1']],
    [['rotate', '--all', '--regions', 'eu-west-1', '--dry-run']],
  ])('leaves Ctrl-C to Node during %j, which starts nothing in CloudFormation', async (argv) => {
    await start(...argv);

    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('stops listening once the command has ended', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await main(['rotate', '--stack-name', 'edge-api'], { output, clients, now: () => START, sleep: noSleep, interruptions: { signals, exit } });

    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});
