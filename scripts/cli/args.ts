// The command line: commands, options and help texts. Node's own util.parseArgs does the parsing.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PARAMETER_FLAGS } from './parameter-flags';
import { timestampFrom } from '../../lambda/timestamp';
import { UsageError } from './errors';
import { type FleetSelection, checkNames, checkSelection, isRegionName } from './fleet/targets';

export const PROGRAM = 'cloudfront-api-key-rotation';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  verbose: boolean;
}

export type Command =
  | { name: 'help'; text: string }
  | { name: 'version' }
  | {
      name: 'deploy';
      stackName: string;
      parameters: Record<string, string>;
      rotate: boolean;
      changeOrigin: boolean;
      serviceRole: boolean;
      testRotation: boolean;
      templateBucket?: string;
      global: GlobalOptions;
    }
  | {
      name: 'deploy-stack-set';
      stackSetName: string;
      regions: string[];
      accounts?: string[];
      organizationalUnits?: string[];
      parameters: Record<string, string>;
      apiUrlsFile?: string;
      /** Accounts per Region at once; undefined: all of them (MaxConcurrentPercentage 100). */
      concurrency?: number;
      changeOrigin: boolean;
      templateBucket?: string;
      global: GlobalOptions;
    }
  | { name: 'rotate'; stackName: string; dryRun: boolean; wait: boolean; global: GlobalOptions }
  | { name: 'delete'; stackName: string; global: GlobalOptions }
  | { name: 'status'; stackName: string; json: boolean; global: GlobalOptions }
  | { name: 'status-all'; fleet: FleetOptions; json: boolean; global: GlobalOptions }
  | { name: 'rotate-all'; fleet: FleetOptions; dryRun: boolean; since?: string; timeoutMinutes: number; global: GlobalOptions };

/** A fleet command's selection; `regions` undefined means the configured Region (a StackSet's own, with --stack-set). */
export interface FleetOptions extends Omit<FleetSelection, 'regions'> {
  regions?: FleetSelection['regions'];
  concurrency: number;
}

/** At most this many AWS calls of a fleet command in flight at once unless --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 8;

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS: Options = {
  'stack-name': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const FLEET_OPTIONS: Options = {
  all: { type: 'boolean', default: false },
  regions: { type: 'string' },
  accounts: { type: 'string' },
  'role-name': { type: 'string' },
  'stack-set': { type: 'string' },
  concurrency: { type: 'string' },
};

export const COMMAND_OPTIONS: Record<string, Options> = {
  deploy: {
    'api-url': { type: 'string' },
    schedule: { type: 'string' },
    'rotation-hour': { type: 'string' },
    'rotation-minute': { type: 'string' },
    'rotation-day': { type: 'string' },
    'rotation-time-zone': { type: 'string' },
    'rotation-window-minutes': { type: 'string' },
    'web-acl-arn': { type: 'string' },
    'notification-email': { type: 'string' },
    'slack-workspace-id': { type: 'string' },
    'slack-channel-id': { type: 'string' },
    'health-check-path': { type: 'string' },
    'key-gate-seconds': { type: 'string' },
    'rollback-minutes': { type: 'string' },
    'domain-names': { type: 'string' },
    'certificate-arn': { type: 'string' },
    'hosted-zone-id': { type: 'string' },
    'access-log-bucket': { type: 'string' },
    'distribution-id': { type: 'string' },
    rotate: { type: 'boolean', default: false },
    'change-origin': { type: 'boolean', default: false },
    'service-role': { type: 'boolean', default: false },
    'skip-test-rotation': { type: 'boolean', default: false },
    'template-bucket': { type: 'string' },
    'stack-set': { type: 'string' },
    regions: { type: 'string' },
    accounts: { type: 'string' },
    ou: { type: 'string' },
    'api-urls': { type: 'string' },
    concurrency: { type: 'string' },
  },
  rotate: {
    'dry-run': { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    ...FLEET_OPTIONS,
    since: { type: 'string' },
    'timeout-minutes': { type: 'string' },
  },
  status: { json: { type: 'boolean', default: false }, ...FLEET_OPTIONS },
  delete: {},
};

/** `stackName`: when --stack-name is needed (a fleet or a StackSet is selected without it). */
const commonHelp = (stackName = 'required') => `Common options:
  --stack-name S    the stack (${stackName})
  --region R        AWS Region (default: AWS_REGION or the profile's Region)
  --profile P       named AWS profile (default: AWS_PROFILE)
  --verbose         show stack traces on errors
  -h, --help        this help

The standard AWS environment variables apply, AWS_ENDPOINT_URL included (for a local emulator).`;

export const HELP: Record<string, string> = {
  main: `${PROGRAM}: deploy, rotate and check the CloudFront origin API key stack.

Usage: ${PROGRAM} <command> --stack-name S [options]
       ${PROGRAM} rotate|status --all [--regions R1,R2|all]
           [--accounts A1,A2 --role-name R | --stack-set NAME] [options]
       ${PROGRAM} deploy --stack-set NAME --regions R1,R2 (--accounts A1,A2 | --ou OU1,OU2) [options]

Commands:
  deploy   create the stack, or update it with the current template;
           with --stack-set, a StackSet of it in many accounts and Regions
  rotate   replace the API key now (--dry-run shows what would change);
           with --all, every rotating stack of a fleet (the emergency rotation)
  status   report whether rotation is healthy (exit 0 healthy, 1 not, 2 usage or access error);
           with --all, every rotating stack of a fleet, one line each
  delete   delete the stack, then its companion service-role stack

Run "${PROGRAM} <command> --help" for a command's options and examples,
and "${PROGRAM} --version" for this tool's version.`,
  deploy: `Usage: ${PROGRAM} deploy --stack-name S [--api-url U] [--schedule NAME] [--web-acl-arn A]
       [--rotation-hour H [--rotation-minute M] [--rotation-day D] [--rotation-time-zone Z]
        [--rotation-window-minutes N]]
       [--notification-email E] [--slack-workspace-id T… --slack-channel-id C…]
       [--health-check-path P] [--key-gate-seconds N] [--rollback-minutes N]
       [--domain-names D1,D2 --certificate-arn A [--hosted-zone-id Z]] [--access-log-bucket B]
       [--distribution-id E…]
       [--rotate] [--change-origin] [--service-role] [--skip-test-rotation] [--template-bucket B]
       ${PROGRAM} deploy --stack-set NAME --regions R1,R2 (--accounts A1,A2 | --ou OU1,OU2)
       [--api-urls FILE] [--concurrency N] [--change-origin] [--template-bucket B] [parameter options]

Creates the stack when it does not exist (Timestamp = now), otherwise updates it with the current
template. Parameters not given keep their current values, and so does the Timestamp: a deploy
rotates nothing unless --rotate is given. Follows the operation live and prints the Outputs.

With --stack-set: creates or updates a CloudFormation StackSet of the template and adds the
instances missing in the accounts (or organizational units) and Regions given. Every StackSet
deploy rotates every instance's key: the set's Timestamp is the deploy's own time. It follows each
StackSet operation and prints a result per instance; exit code 1 if any instance did not succeed.
It never deletes an instance.

Options:
  --api-url U       API stage as <api-id>.execute-api.<region>.amazonaws.com/<stage>;
                    omit when creating to get the demo API
  --schedule NAME   Daily, Fortnightly, Monthly, Bimonthly or Quarterly (default when creating: Daily)
  --rotation-hour H the hour, 4 to 21, at which the scheduled rotation runs ('' for none: every
                    interval from the stack's creation, the default); EventBridge Scheduler runs it
  --rotation-minute M
                    the minute of that hour, 0 to 59 (default 0)
  --rotation-day D  for Monthly, Bimonthly and Quarterly: the day of the month, 1 to 28
                    (default: the 1st); Daily runs every day, Fortnightly on the 1st and the 15th
  --rotation-time-zone Z
                    the IANA time zone of that time, e.g. Europe/Berlin (default UTC)
  --rotation-window-minutes N
                    let Scheduler start the rotation up to N minutes late, 0 to 240 (default 0)
  --web-acl-arn A   ARN of a CLOUDFRONT-scope WAFv2 web ACL to attach
  --notification-email E
                    email address for rotation notices (confirm SNS's message first)
  --slack-workspace-id T…
                    a Slack workspace authorized in Amazon Q Developer in chat applications
  --slack-channel-id C…
                    with --slack-workspace-id: the Slack channel for the notices and alarms
                    ('' for both removes it; README, "Notices in chat")
  --health-check-path P
                    path the verifier requests through CloudFront after each rotation
                    (default when creating: /pets); the key gate requests it on the stage
  --key-gate-seconds N
                    how long the key gate waits for the API to accept a new key before the
                    rotation rolls back, 0 to 840; 0 turns the gate off (default when creating: 300)
  --rollback-minutes N
                    minutes CloudFormation watches the rollback trigger after a rotation's
                    resources are deployed, 0 to 180; 0 turns it off (default when creating: 10)
  --domain-names D1,D2
                    your domain names for the API, served with --certificate-arn (TLS 1.2 or
                    later, SNI); the CloudFrontURL output then uses the first ('' removes them)
  --certificate-arn A
                    an ACM certificate in us-east-1 that covers --domain-names
  --hosted-zone-id Z
                    a Route 53 hosted zone: creates an alias record for the first domain name
  --access-log-bucket B
                    an S3 bucket with ACLs enabled: CloudFront logs every request there, under
                    <stack name>/ ('' turns logging off)
  --distribution-id E…
                    an existing distribution with --api-url's stage as an origin: the stack sets
                    the x-api-key header of that origin, through the key gate, instead of creating
                    a distribution, and changes nothing else of it (README, "An existing
                    distribution")
  --rotate          also rotate the key (new Timestamp)
  --change-origin   confirm an --api-url that points CloudFront at another origin than the
                    stack's current one (another API, or the demo API with --api-url '')
  --service-role    give the stack a CloudFormation service role: deploys the companion stack
                    S-service-role (template/service-role.yaml) first, then the stack with its
                    role, so that the rotation function may only update this stack
  --skip-test-rotation
                    do not test the unattended path. By default, on create and whenever a
                    deploy changes an IAM role, the Lambda function, or the service role, deploy
                    invokes the rotation function as its schedule does and follows that rotation
  --template-bucket B
                    the S3 bucket, of this account and in the stack's Region, that the template
                    goes through (CloudFormation takes it from S3); by default deploy's own,
                    cloudfront-api-key-rotation-<account>-<region>, created on first use
  --stack-set NAME  deploy the template as this StackSet (see above)
  --regions R1,R2   with --stack-set: the Regions to deploy to
  --accounts A1,A2  with --stack-set: the target accounts (self-managed permissions: the
                    StackSet administration and execution roles must exist)
  --ou OU1,OU2      with --stack-set: the target organizational units (service-managed
                    permissions; accounts that join later get an instance automatically)
  --api-urls FILE   with --stack-set: each instance's --api-url, in JSON or YAML, by account,
                    Region or account/Region, the most specific winning, for example
                      us-east-1: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod
                      "111111111111/eu-west-1": f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/prod
                    an instance with no entry gets --api-url (or the set's current value)
  --concurrency N   with --stack-set: at most N accounts per Region deployed at once, 1 to 100
                    (default: every account at once, in every Region at once: every StackSet
                    update is a rotation, and an emergency one should not wait)

${commonHelp('required, unless --stack-set NAME deploys a StackSet')}

Examples:
  ${PROGRAM} deploy --stack-name edge-api
  ${PROGRAM} deploy --stack-name edge-api --api-url a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod --schedule Monthly
  ${PROGRAM} deploy --stack-name edge-api --schedule Quarterly --region eu-west-1 --profile ops
  ${PROGRAM} deploy --stack-name edge-api --notification-email ops@example.com --health-check-path /health
  ${PROGRAM} deploy --stack-name edge-api --service-role
  ${PROGRAM} deploy --stack-set edge-apis --accounts 111111111111,222222222222 \\
      --regions us-east-1,eu-west-1 --api-urls api-urls.yaml --schedule Monthly`,
  delete: `Usage: ${PROGRAM} delete --stack-name S

Deletes a stack made from this template, following it to the end, and then its companion
service-role stack S-service-role when it has one (the companion's role deletes the stack, so it
goes last). Given a companion itself (say, one whose first create failed), it deletes that alone
once no stack runs as its role. A stack of another template, a StackSet instance's stack (remove
the instance with aws cloudformation delete-stack-instances), or one busy with another operation
is refused, and nothing changes. The key's secrets are deleted with the stack, without a
recovery window.

${commonHelp()}

Examples:
  ${PROGRAM} delete --stack-name edge-api
  ${PROGRAM} delete --stack-name edge-api-service-role
  ${PROGRAM} delete --stack-name edge-api --region eu-west-1 --profile ops`,
  rotate: `Usage: ${PROGRAM} rotate --stack-name S [--dry-run] [--no-wait]
       ${PROGRAM} rotate --all [--regions R1,R2|all] [--accounts A1,A2 --role-name R | --stack-set NAME]
       [--since TIME] [--dry-run] [--concurrency N] [--timeout-minutes N]

Rotates the key now, exactly as the scheduled Lambda does: UpdateStack with a new Timestamp and
every other parameter kept. Follows the update until the old key is deleted.

With --all (the emergency rotation): every rotating stack in the selected accounts and Regions,
all started as fast as API Gateway's key quotas allow (4 a second per account), none waiting for
another, then all followed at once to their ends, with a live count and a summary table. A busy
stack is skipped, never waited on. Exit code 0 when nothing failed or was left busy, otherwise 1.

Options:
  --dry-run         list what the rotation would change (through a change set that is then
                    deleted); changes nothing. With --all: list the stacks that would rotate
  --no-wait         start the rotation and return without following it
  --since TIME      with --all: skip stacks whose key is this new or newer, and follow those
                    still rotating to such a key (ISO time, or a Timestamp). The run prints its
                    own: give it to a second run after an interruption, and nothing is rotated
                    twice
  --concurrency N   with --all: AWS calls in flight at once, 1 to 64 (default 8); the
                    rotations under way at once are not limited
  --timeout-minutes N
                    with --all: stop following N minutes after the start, 1 to 720 (default
                    60); rotations still under way go on in CloudFormation
  (--regions, --accounts, --role-name, --stack-set: as for status --all)

${commonHelp('required, unless --all selects a fleet')}

Examples:
  ${PROGRAM} rotate --stack-name edge-api --dry-run
  ${PROGRAM} rotate --stack-name edge-api
  ${PROGRAM} rotate --stack-name edge-api --no-wait --region eu-west-1
  ${PROGRAM} rotate --all --regions all --dry-run
  ${PROGRAM} rotate --all --regions all --since 2026-11-23T03:10:00Z`,
  status: `Usage: ${PROGRAM} status --stack-name S [--json]
       ${PROGRAM} status --all [--regions R1,R2|all] [--accounts A1,A2 --role-name R | --stack-set NAME]
       [--concurrency N] [--json]

Reports the stack status, the schedule, the current Timestamp, the active key (and whether it is
overdue), the usage plan's keys, whether CloudFront's header matches the active key (compared by
SHA-256 fingerprint; values are never printed) and the last rotation's outcome.
Exit code: 0 healthy, 1 unhealthy, 2 usage or access error; fit for a monitoring job.

With --all: every rotating stack (recognised by this template's Timestamp parameter and outputs)
in the accounts and Regions selected, one line each, worst first, then a summary. The exit code
follows the worst stack. An account or Region that cannot be read is reported, never fatal.

Options:
  --json            print the report as JSON (with --all: one object per stack and line)
  --all             every rotating stack in the selected accounts and Regions
  --regions R1,R2   the Regions to read (default: the configured Region, or with --stack-set
                    every Region of the set); "all": every Region the account has enabled
                    (EC2 DescribeRegions)
  --accounts A1,A2  read these accounts by assuming --role-name in each
  --role-name R     with --accounts or --stack-set, the role to assume in each account:
                    arn:<partition>:iam::<account>:role/R
  --stack-set NAME  the StackSet's instances and no other stack, each in the account and Region
                    of its stack ID; needs --role-name if any is in another account than yours
  --concurrency N   at most N accounts, Regions or stacks read at once, 1 to 64 (default 8)

${commonHelp('required, unless --all selects a fleet')}

Examples:
  ${PROGRAM} status --stack-name edge-api
  ${PROGRAM} status --all --regions all
  ${PROGRAM} status --all --regions eu-west-1,us-east-1 --accounts 111111111111,222222222222 \\
      --role-name AWSCloudFormationStackSetExecutionRole
  ${PROGRAM} status --stack-name edge-api --json || alert "key rotation unhealthy"`,
};

/**
 * Node's parseArgs messages in one sentence of the CLI's words. Its "ambiguous" message (a value
 * starting with a dash, or a flag where the value should be) takes three lines, and the bad value's
 * messages quote Node's `'--opt <value>'` notation; the others' first line names the problem.
 */
function parseArgsProblem({ message, code }: Error & { code?: string }): string {
  const option = /'(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('ambiguous')) {
      return `${option} needs a value, but the next argument starts with a dash: give the value, or write ${option}=<value> for a value that starts with one.`;
    }
    if (message.includes('argument missing')) return `${option} needs a value.`;
    if (message.includes('does not take an argument')) return `${option} takes no value.`;
  }
  return `${message.split('\n')[0].replace(/\.$/, '')}.`;
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/** parseArgs keeps the last of a repeated flag: a typo'd paste would act on the wrong stack or Region. */
function refuseRepeated(tokens: Token[], options: Options, command: string): void {
  const given = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind !== 'option' || options[token.name]?.type !== 'string') continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? '']);
  }
  const [flag, values] = [...given].find(([, list]) => list.length > 1) ?? [];
  if (flag) throw new UsageError(`--${flag} is given more than once (${values!.map((v) => `"${v}"`).join(', ')}): give it once.`, command);
}

export function parseCommandLine(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    return { name: 'help', text: Object.hasOwn(HELP, rest[0] ?? '') ? HELP[rest[0]] : HELP.main };
  }
  if (name === '--version' && rest.length === 0) return { name: 'version' };
  // Own keys only: `toString` or `constructor` are no commands.
  if (!Object.hasOwn(COMMAND_OPTIONS, name)) throw new UsageError(`Unknown command "${name}". Commands: deploy, rotate, status, delete.`);

  const options = { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[name] };
  let values: Record<string, unknown>;
  let tokens: Token[];
  try {
    ({ values, tokens } = parseArgs({ args: rest, options, strict: true, allowPositionals: false, tokens: true }));
  } catch (error) {
    throw new UsageError(parseArgsProblem(error as Error & { code?: string }), name);
  }
  if (values.help) return { name: 'help', text: HELP[name] };
  refuseRepeated(tokens, options, name);
  const global: GlobalOptions = { region: values.region as string | undefined, profile: values.profile as string | undefined, verbose: values.verbose === true };
  if (global.region !== undefined && !isRegionName(global.region)) {
    throw new UsageError(`--region "${global.region}" is not a Region name: give one like eu-west-1.`, name);
  }
  if (name === 'deploy') {
    if (values['stack-set'] !== undefined) return stackSetDeploy(values, global);
    const setOnly = ['regions', 'accounts', 'ou', 'api-urls', 'concurrency'].find((flag) => values[flag] !== undefined);
    if (setOnly) throw new UsageError(`--${setOnly} belongs to a StackSet deploy: add --stack-set NAME.`, name);
  }
  const fleetFlags = ['regions', 'accounts', 'role-name', 'stack-set', 'concurrency', 'since', 'timeout-minutes'].filter((flag) => values[flag] !== undefined);
  if (values.all) {
    if (values['stack-name'] !== undefined) throw new UsageError('Give --stack-name or --all, not both.', name);
    if (name === 'status') return { name: 'status-all', fleet: fleetOptions(values, name, DEFAULT_CONCURRENCY), json: values.json === true, global };
    if (values['no-wait']) throw new UsageError('--all always follows each rotation to its end, so it takes no --no-wait.', name);
    return {
      name: 'rotate-all',
      fleet: fleetOptions(values, name, DEFAULT_CONCURRENCY),
      dryRun: values['dry-run'] === true,
      since: sinceTimestamp(values.since, name),
      timeoutMinutes: wholeNumber(values['timeout-minutes'] ?? '60', '--timeout-minutes', 1, 720, name),
      global,
    };
  }
  if (fleetFlags.length > 0) throw new UsageError(`--${fleetFlags[0]} selects a fleet: add --all.`, name);
  const stackName = values['stack-name'];
  if (typeof stackName !== 'string' || stackName === '') throw new UsageError('--stack-name is required.', name);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new UsageError(`--stack-name "${stackName}" is not a stack name: letters, digits and hyphens, starting with a letter, at most 128.`, name);
  }

  switch (name) {
    case 'deploy': {
      return {
        name,
        stackName,
        parameters: deployParameters(values),
        rotate: values.rotate === true,
        changeOrigin: values['change-origin'] === true,
        serviceRole: values['service-role'] === true,
        testRotation: values['skip-test-rotation'] !== true,
        templateBucket: templateBucket(values, name),
        global,
      };
    }
    case 'delete':
      return { name, stackName, global };
    case 'rotate':
      if (values['dry-run'] && values['no-wait']) throw new UsageError('--dry-run and --no-wait do not go together: a dry run starts nothing.', name);
      return { name, stackName, dryRun: values['dry-run'] === true, wait: values['no-wait'] !== true, global };
    default:
      return { name: 'status', stackName, json: values.json === true, global };
  }
}

/** Given on the command line, by parameter name. */
function deployParameters(values: Record<string, unknown>): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [parameter, flag] of Object.entries(PARAMETER_FLAGS)) {
    const value = values[flag.slice(2)];
    if (typeof value === 'string') parameters[parameter] = value;
  }
  return parameters;
}

const ORGANIZATIONAL_UNIT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

function stackSetDeploy(values: Record<string, unknown>, global: GlobalOptions): Command {
  const command = 'deploy';
  const stackSetName = String(values['stack-set']);
  if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(stackSetName)) {
    throw new UsageError(`--stack-set "${stackSetName}" is not a StackSet name: letters, digits and hyphens, starting with a letter, at most 128.`, command);
  }
  // A StackSet's instances have no stack service role, and every StackSet update rotates.
  const notHere = ['stack-name', 'service-role', 'rotate', 'skip-test-rotation', 'distribution-id'].find((flag) => values[flag] !== undefined && values[flag] !== false);
  if (notHere === 'distribution-id') throw new UsageError('--distribution-id does not apply to a StackSet: a distribution ID names one distribution in one account, and every instance would share it. Deploy a stack with --stack-name for each existing distribution.', command);
  if (notHere === 'service-role') throw new UsageError('--service-role does not apply to a StackSet: StackSets create and update the instances\' stacks through the execution role in each account, and a stack instance has no stack service role of its own.', command);
  if (notHere === 'rotate') throw new UsageError('--rotate is implied: every StackSet deploy rotates every instance\'s key (see "Fleets" in the README).', command);
  if (notHere) throw new UsageError(`--${notHere} does not go with --stack-set.`, command);
  const regions = list(values.regions);
  if (!regions?.length || regions.includes('all')) throw new UsageError('--stack-set needs --regions R1,R2: the Regions to deploy to, by name.', command);
  const accounts = list(values.accounts);
  const organizationalUnits = list(values.ou);
  if ((accounts === undefined) === (organizationalUnits === undefined)) {
    throw new UsageError('--stack-set needs --accounts A1,A2 (self-managed) or --ou OU1,OU2 (service-managed, deploys to new accounts automatically), one of them.', command);
  }
  checkNames(regions, accounts, command);
  const badUnit = organizationalUnits?.find((unit) => !ORGANIZATIONAL_UNIT.test(unit));
  if (badUnit !== undefined) throw new UsageError(`--ou: "${badUnit}" is not an organizational unit ID (ou-xxxx-xxxxxxxx, or a root r-xxxx).`, command);
  return {
    name: 'deploy-stack-set',
    stackSetName,
    regions,
    accounts,
    organizationalUnits,
    parameters: deployParameters(values),
    apiUrlsFile: values['api-urls'] as string | undefined,
    concurrency: values.concurrency === undefined ? undefined : wholeNumber(values.concurrency, '--concurrency', 1, 100, command),
    changeOrigin: values['change-origin'] === true,
    templateBucket: templateBucket(values, command),
    global,
  };
}

/** S3's general purpose bucket naming rules (S3 User Guide): 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
function templateBucket(values: Record<string, unknown>, command: string): string | undefined {
  const bucket = values['template-bucket'] as string | undefined;
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`--template-bucket "${bucket}" is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.`, command);
  }
  return bucket;
}

const list = (value: unknown) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : undefined);

function wholeNumber(value: unknown, flag: string, min: number, max: number, command: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(String(value)) || number < min || number > max) {
    throw new UsageError(`${flag} "${value}" is not valid: give a whole number from ${min} to ${max}.`, command);
  }
  return number;
}

/** --since as a Timestamp (YYYY-MM-DDTHH-MM-SSZ), from an ISO 8601 time or a Timestamp. */
function sinceTimestamp(value: unknown, command: string): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/.test(text)) return text;
  const time = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(time.getTime())) {
    throw new UsageError(`--since "${text}" is not a time: give one like 2026-11-23T03:10:00Z (or a Timestamp, 2026-11-23T03-10-00Z).`, command);
  }
  return timestampFrom(time);
}

function fleetOptions(values: Record<string, unknown>, command: string, defaultConcurrency: number): FleetOptions {
  const regions = list(values.regions);
  const fleet: FleetOptions = {
    regions: regions && regions.length === 1 && regions[0] === 'all' ? 'all' : regions,
    accounts: list(values.accounts),
    roleName: values['role-name'] as string | undefined,
    stackSet: values['stack-set'] as string | undefined,
    concurrency: values.concurrency === undefined ? defaultConcurrency : wholeNumber(values.concurrency, '--concurrency', 1, 64, command),
  };
  checkSelection({ ...fleet, regions: fleet.regions ?? [] }, command);
  return fleet;
}
