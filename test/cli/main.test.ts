import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { HELP } from '../../scripts/cli/args';
import { main } from '../../scripts/cli';
import { NOT_FOUND } from '../rotation.fixtures';
import { START, noSleep, recordingOutput } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const clients = jest.fn(() => ({
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
  cloudfront: new CloudFrontClient({ region: 'eu-west-1' }),
  lambda: new LambdaClient({ region: 'eu-west-1' }),
}));
let output: ReturnType<typeof recordingOutput>;
const run = (...argv: string[]) => main(argv, { output, clients, now: () => START, sleep: noSleep, nodeVersion: 'v24.9.0' });

beforeEach(() => {
  cloudformation.reset();
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
    ['given with --profile', ['--profile', 'nonexistent'], undefined],
    ['set in AWS_PROFILE', [], 'nonexistent'],
  ])('names the profile %s', async (_case, flags, environment) => {
    if (environment === undefined) delete process.env.AWS_PROFILE;
    else process.env.AWS_PROFILE = environment;
    cloudformation.on(DescribeStacksCommand).rejects(noCredentials);

    await expect(run('status', '--stack-name', 'edge-api', ...flags)).resolves.toBe(2);
    expect(output.errors).toEqual([
      'error: No AWS credentials were found for profile "nonexistent". Check that ~/.aws/config or ~/.aws/credentials defines it (aws configure --profile nonexistent), or pass another --profile.',
    ]);
  });
});
