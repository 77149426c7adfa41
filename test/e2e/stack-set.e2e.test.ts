// `deploy --stack-set` end to end, on the emulator: a self-managed StackSet in two accounts and
// two Regions, each instance behind its own API stage from an --api-urls file; an instance's own
// rotation between two deploys; and the fleet commands reading and rotating the set's instances
// and nothing else of their accounts and Regions. moto serves
// the second account to credentials from STS AssumeRole; the project's extension
// (stack_sets.py) makes StackSet operations reach the instances' stacks.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, ListStackInstancesCommand, type Stack, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler } from '../../lambda/handler';
import { createClients } from '../../scripts/cli/aws-clients';
import { main } from '../../scripts/cli/main';
import { deploy } from '../../scripts/cli/deploy';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorSleep, emulatorWaiter } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';
import { createApiStage } from '../../scripts/emulator/team-distribution';
import { scheduledEvent } from './e2e.fixtures';

jest.setTimeout(180_000);

const HOME = '123456789012';
const OTHER = '111111111111';
const REGIONS = ['us-east-1', 'eu-west-1'];
let aws: LocalAws;
let credentialsOf: Record<string, () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>>;
const saved = { ...process.env };
const directory = mkdtempSync(join(tmpdir(), 'stack-set-'));

beforeAll(async () => {
  aws = await localAws();
  Object.assign(process.env, { AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
  const sts = new STSClient(emulatorClientConfig(aws.emulator.endpoint));
  const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/AWSCloudFormationStackSetExecutionRole`, RoleSessionName: 'setup' }));
  const other = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken };
  credentialsOf = { [HOME]: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }), [OTHER]: async () => other };
});

afterAll(async () => {
  process.env = saved;
  await aws?.stop();
});

const config = (account: string, region: string) => ({ ...emulatorClientConfig(aws.emulator.endpoint), region, credentials: credentialsOf[account] });

/** A stage of a REST API of its own in that account and Region: its ApiURL. */
const createStage = (account: string, region: string) => createApiStage(new APIGatewayClient(config(account, region)), `api-${account}-${region}`);

/** Each instance's stack, by account/Region. */
async function instanceStacks(StackSetName = 'edge-apis'): Promise<Record<string, Stack>> {
  const { Summaries = [] } = await aws.cloudformation.send(new ListStackInstancesCommand({ StackSetName }));
  const stacks = await Promise.all(
    Summaries.map(async ({ Account = '', Region = '', StackId }) => {
      const { Stacks = [] } = await new CloudFormationClient(config(Account, Region)).send(new DescribeStacksCommand({ StackName: StackId }));
      return [`${Account}/${Region}`, Stacks[0]] as const;
    }),
  );
  return Object.fromEntries(stacks);
}

const parameter = (stack: Stack, key: string) => stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
const output = (stack: Stack, key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;

async function cli(...argv: string[]) {
  const out = recordingOutput();
  const code = await main(argv, { output: out, clients: createClients, now: () => new Date(), sleep: emulatorSleep });
  return { code, lines: out.lines, errors: out.errors };
}

function writeApiUrls(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

const deploySet = (apiUrls: string, ...extra: string[]) =>
  cli('deploy', '--stack-set', 'edge-apis', '--accounts', `${HOME},${OTHER}`, '--regions', REGIONS.join(','), '--api-urls', apiUrls, '--schedule', 'Monthly', ...extra);

describe('deploy --stack-set', () => {
  const stages: Record<string, string> = {};
  let firstTimestamp = '';

  it('creates the StackSet and one instance per account and Region, each behind the API the file gives it', async () => {
    for (const account of [HOME, OTHER]) for (const region of REGIONS) stages[`${account}/${region}`] = await createStage(account, region);
    // A Region entry for the second account's eu-west-1; account/Region entries for the rest, and
    // a Region entry that they outrank.
    const file = writeApiUrls('api-urls.yaml', [
      `${HOME}/us-east-1: ${stages[`${HOME}/us-east-1`]}`,
      `${HOME}/eu-west-1: ${stages[`${HOME}/eu-west-1`]}`,
      `${OTHER}/us-east-1: ${stages[`${OTHER}/us-east-1`]}`,
      `eu-west-1: ${stages[`${OTHER}/eu-west-1`]}`,
    ].join('\n'));

    const { code, lines } = await deploySet(file);

    expect(code).toBe(0);
    expect(lines.filter((line) => /^\d{12} .* create +SUCCEEDED/.test(line))).toHaveLength(4);
    expect(lines).toContain('4 of 4 instance step(s) succeeded.');
    const stacks = await instanceStacks();
    expect(Object.keys(stacks).sort()).toEqual([`${OTHER}/eu-west-1`, `${OTHER}/us-east-1`, `${HOME}/eu-west-1`, `${HOME}/us-east-1`]);
    for (const [where, stack] of Object.entries(stacks)) {
      expect(stack.StackName).toMatch(/^StackSet-edge-apis-[0-9a-f-]{36}$/);
      expect(parameter(stack, 'ApiURL')).toBe(stages[where]);
      expect(parameter(stack, 'ApiKeyRotationSchedule')).toBe('Monthly');
    }
    firstTimestamp = parameter(Object.values(stacks)[0], 'Timestamp')!;
    expect(new Set(Object.values(stacks).map((s) => parameter(s, 'Timestamp')))).toEqual(new Set([firstTimestamp]));
  });

  it('refuses to re-point an instance at another API without --change-origin, and changes nothing', async () => {
    const before = await instanceStacks();
    const file = writeApiUrls('moved.json', JSON.stringify({ ...stages, [`${HOME}/us-east-1`]: stages[`${OTHER}/us-east-1`].replace(/^\w+/, 'abcdefghij') }));

    const { code, errors } = await deploySet(file);

    expect(code).toBe(2);
    expect(errors.join(' ')).toMatch(new RegExp(`point CloudFront of 1 instance\\(s\\) of StackSet "edge-apis" at another origin: ${HOME}/us-east-1 from ${stages[`${HOME}/us-east-1`].replace(/\./g, '\\.')}`));
    expect(await instanceStacks()).toEqual(before);
  });

  it('moves every instance forward, past an instance\'s own newer rotation, with a new key whose value CloudFront sends', async () => {
    // The second account's eu-west-1 instance rotates on its own schedule first.
    const [, rotatedStack] = Object.entries(await instanceStacks()).find(([where]) => where === `${OTHER}/eu-west-1`)!;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ownTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const instance = new CloudFormationClient(config(OTHER, 'eu-west-1'));
    await createHandler({ cloudformation: instance, stackName: rotatedStack.StackName!, log: () => undefined, now: () => new Date() })(scheduledEvent(ownTime));
    await waitUntilStackUpdateComplete(emulatorWaiter(instance), { StackName: rotatedStack.StackName! });
    const before = await instanceStacks();
    expect(parameter(before[`${OTHER}/eu-west-1`], 'Timestamp')! > firstTimestamp).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const file = writeApiUrls('same.yaml', Object.entries(stages).map(([where, url]) => `"${where}": ${url}`).join('\n'));

    const { code, lines } = await deploySet(file);

    expect(code).toBe(0);
    expect(lines.filter((line) => / update +SUCCEEDED/.test(line))).toHaveLength(4);
    const after = await instanceStacks();
    const timestamps = new Set(Object.values(after).map((s) => parameter(s, 'Timestamp')));
    expect(timestamps.size).toBe(1);
    expect([...timestamps][0]! > parameter(before[`${OTHER}/eu-west-1`], 'Timestamp')!).toBe(true);
    for (const where of Object.keys(after)) expect(output(after[where], 'ApiKeyId')).not.toBe(output(before[where], 'ApiKeyId'));
  });

  it('re-points one instance at another API with --change-origin, keeping the others where they are', async () => {
    const moved = await createStage(HOME, 'eu-west-1');
    const file = writeApiUrls('moved.yaml', Object.entries({ ...stages, [`${HOME}/eu-west-1`]: moved }).map(([where, url]) => `"${where}": ${url}`).join('\n'));

    const { code, lines } = await deploySet(file, '--change-origin');

    expect(code).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${HOME} +eu-west-1 +origin +SUCCEEDED`)));
    const stacks = await instanceStacks();
    expect(parameter(stacks[`${HOME}/eu-west-1`], 'ApiURL')).toBe(moved);
    expect(parameter(stacks[`${HOME}/us-east-1`], 'ApiURL')).toBe(stages[`${HOME}/us-east-1`]);
  });

  it('leaves every instance healthy as status --all reads the StackSet: one key each, sent by CloudFront', async () => {
    const { code, lines } = await cli('status', '--all', '--stack-set', 'edge-apis', '--role-name', 'AWSCloudFormationStackSetExecutionRole');

    expect(lines).toContain('4 healthy, 0 unhealthy, 0 unreachable.');
    expect(code).toBe(0);
  });
});

describe('status --all and rotate --all with --stack-set', () => {
  const ROLE = ['--role-name', 'AWSCloudFormationStackSetExecutionRole'];
  const LOOK_ALIKE = 'StackSet-edge-apis-00000000-0000-4000-8000-000000000000';
  /** Stacks that are no instance of edge-apis, though in its accounts and Regions. */
  const bystanders = [{ account: HOME, region: 'us-east-1', stackName: 'single-api' }, { account: OTHER, region: 'us-east-1', stackName: LOOK_ALIKE }];
  /** Each instance of the set, as `account/Region name`, with its stack. */
  const instancesOf = async (set: string) => Object.entries(await instanceStacks(set)).map(([place, stack]) => [`${place} ${stack.StackName}`, stack] as const);
  const namesOf = async (set: string) => (await instancesOf(set)).map(([name]) => name).sort();
  let setA: string[] = [];
  let setB: string[] = [];

  /** The Timestamp of every stack here: both sets' instances and the bystanders. */
  async function timestamps(): Promise<Record<string, string | undefined>> {
    const stacks = [...(await instancesOf('edge-apis')), ...(await instancesOf('home-apis'))];
    for (const { account, region, stackName } of bystanders) {
      const { Stacks = [] } = await new CloudFormationClient(config(account, region)).send(new DescribeStacksCommand({ StackName: stackName }));
      stacks.push([`${account}/${region} ${stackName}`, Stacks[0]]);
    }
    return Object.fromEntries(stacks.map(([name, stack]) => [name, parameter(stack, 'Timestamp')]));
  }
  const changedSince = async (before: Record<string, string | undefined>) => {
    const after = await timestamps();
    return Object.keys(after).filter((stack) => after[stack] !== before[stack]).sort();
  };
  /** Each table row's account, Region, stack and state or result. */
  const rows = (lines: string[]) => lines.filter((line) => /^\d{12} /.test(line)).map((line) => line.split(/\s{2,}/)).map(([account, region, stack, state]) => [`${account}/${region} ${stack}`, state]);
  const stacksIn = (lines: string[]) => rows(lines).map(([stack]) => stack).sort();
  const waitForNextTimestamp = () => new Promise((resolve) => setTimeout(resolve, 1100));

  beforeAll(async () => {
    // Another StackSet, in the caller's own account only, so the fleet commands can read it without a role.
    expect((await cli('deploy', '--stack-set', 'home-apis', '--accounts', HOME, '--regions', REGIONS.join(','), '--schedule', 'Monthly')).code).toBe(0);
    // A single-stack deploy, and a look-alike named as StackSets names an instance, from the same template.
    for (const { account, region, stackName } of bystanders) {
      await deploy(
        { stackName, parameters: {}, rotate: false, testRotation: false },
        { ...aws, ...createClients(config(account, region)), ...deployTemplates(), now: () => new Date(), sleep: emulatorSleep, output: recordingOutput() },
      );
    }
    setA = await namesOf('edge-apis');
    setB = await namesOf('home-apis');
    expect(setA).toHaveLength(4);
    expect(setB).toHaveLength(2);
  });

  it("status reads exactly the set's instances, each under the account and Region it lives in", async () => {
    const { code, lines } = await cli('status', '--all', '--stack-set', 'edge-apis', ...ROLE);

    expect(code).toBe(0);
    expect(lines[0]).toBe('4 stack(s) of StackSet edge-apis in 4 account and Region pair(s).');
    expect(stacksIn(lines)).toEqual(setA);
  });

  it("status reads a set of the caller's own account without --role-name", async () => {
    const { code, lines } = await cli('status', '--all', '--stack-set', 'home-apis');

    expect(code).toBe(0);
    expect(stacksIn(lines)).toEqual(setB);
  });

  it.each([
    ['status', '--all', '--stack-set', 'edge-apis'],
    ['rotate', '--all', '--stack-set', 'edge-apis'],
  ])('refuses %s %s %s %s without --role-name, as the set has instances in another account, and changes nothing', async (...argv) => {
    const before = await timestamps();

    const { code, lines, errors } = await cli(...argv);

    expect(code).toBe(2);
    // A read-only command does not say "Nothing changed": it could not have changed anything.
    const remedy = `${argv[0] === 'status' ? 'P' : 'Nothing changed; p'}ass --role-name with the role to assume in each account (for a StackSet, usually AWSCloudFormationStackSetExecutionRole).`;
    expect(errors).toEqual([`error: StackSet "edge-apis" has instances in account(s) ${OTHER}, but these credentials are of account ${HOME}. ${remedy}`]);
    expect(lines).toEqual([]);
    expect(await changedSince(before)).toEqual([]);
  });

  it('says in one sentence that a StackSet does not exist', async () => {
    const { code, errors } = await cli('status', '--all', '--stack-set', 'no-such-set', ...ROLE);

    expect(code).toBe(2);
    expect(errors).toEqual(['error: There is no StackSet "no-such-set" in us-east-1 of this account: check the name, and pass --region with the StackSet\'s own Region (where it was created).']);
  });

  it.each([
    ['edge-apis, through the role', 'edge-apis', ROLE, () => setA],
    ["home-apis, the caller's own, without a role", 'home-apis', [], () => setB],
  ])('rotate --dry-run lists exactly the instances of %s, and changes nothing', async (_, set, extra, instances) => {
    const before = await timestamps();

    const { code, lines } = await cli('rotate', '--all', '--stack-set', set, ...extra, '--dry-run');

    expect(code).toBe(0);
    expect(stacksIn(lines)).toEqual(instances());
    expect(rows(lines).every(([, result]) => result === 'would rotate')).toBe(true);
    expect(lines.at(-1)).toBe(`Would rotate ${instances().length}, 0 failed, 0 skipped: a dry run, so nothing changed.`);
    expect(await changedSince(before)).toEqual([]);
  });

  it.each([
    ['edge-apis, through the role', 'edge-apis', ROLE, () => setA],
    ["home-apis, the caller's own, without a role", 'home-apis', [], () => setB],
  ])('rotate rotates exactly the instances of %s: no other stack of their accounts and Regions', async (_, set, extra, instances) => {
    await waitForNextTimestamp();
    const before = await timestamps();

    const { code, lines } = await cli('rotate', '--all', '--stack-set', set, ...extra);

    expect(code).toBe(0);
    expect(rows(lines).sort()).toEqual(instances().map((stack) => [stack, 'rotated']));
    expect(await changedSince(before)).toEqual(instances());
  });
});
