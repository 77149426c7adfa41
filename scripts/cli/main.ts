// The operator CLI's commands: deploy, rotate and status, one stack or a fleet. Parses the
// command line, runs the command with the clients, clock and output it is given, and turns any
// error into one sentence and an exit code (describeFailure). scripts/cli.ts runs it for real.
import { readFileSync, statSync } from 'node:fs';
import { timestampFrom } from '../../lambda/timestamp';
import { deployTemplates, carriedTemplate } from '../template';
import { type Command, type FleetOptions, type GlobalOptions, parseCommandLine } from './args';
import type { Clients } from './aws-clients';
import { checkEndpointUrls } from './endpoint-urls';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, describeFailure } from './failure';
import type { ClientOptions } from './fleet/clients';
import { type Interruptions, interruptNote, onInterrupt } from './interrupt';
import { nodeSupportNote } from './node-support';
import type { Output } from './output';
import { checkProfile, sharedProfiles } from './profiles';
import { packageVersion } from './version';

export interface CliDependencies {
  output: Output;
  /** The running Node's version, `process.version`. */
  nodeVersion?: string;
  clients: (options: ClientOptions) => Clients;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  /** The environment the SDK reads, `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C, for the commands that start something in CloudFormation; without it, Node's own. */
  interruptions?: Interruptions;
  /** The profiles the shared AWS files define; without it, read from them. */
  profiles?: () => Promise<string[]>;
}

type Runnable = Exclude<Command, { name: 'help' | 'version' }>;

// Each command loads only its own modules, and with them the AWS SDK clients it uses: --help and
// --version, and the refusals of a wrong argument, load none: esbuild bundles a require into a
// function that runs on first use.
async function run(command: Runnable, deps: CliDependencies, started: Date): Promise<number> {
  const { output, now } = deps;
  const clients = deps.clients(command.global);
  const common = { ...clients, now, sleep: deps.sleep, output };
  switch (command.name) {
    case 'deploy': {
      const { deploy } = (require('./deploy') as typeof import('./deploy'));
      await deploy(command, { ...common, ...deployTemplates() });
      return EXIT_OK;
    }
    case 'deploy-stack-set': {
      const { readApiUrls } = (require('./stack-set/api-urls') as typeof import('./stack-set/api-urls'));
      const { deployStackSet } = (require('./stack-set/deploy-stack-set') as typeof import('./stack-set/deploy-stack-set'));
      const { apiUrlsFile, ...request } = command;
      const apiUrls = apiUrlsFile === undefined ? new Map<string, string>() : readApiUrls(apiUrlsFile, { size: (file) => statSync(file).size, read: (file) => readFileSync(file, 'utf8') });
      await deployStackSet({ ...request, apiUrls }, { ...common, templateBody: deployTemplates().templateBody });
      return EXIT_OK;
    }
    case 'rotate': {
      const { dryRun, rotate } = (require('./rotate') as typeof import('./rotate'));
      if (command.dryRun) await dryRun(command.stackName, common);
      else await rotate(command.stackName, command.wait, common);
      return EXIT_OK;
    }
    case 'status-all':
      return statusAll(command, clients, deps);
    case 'rotate-all':
      return rotateEverything(command, clients, deps, started);
    case 'delete': {
      const { deleteStack } = (require('./delete') as typeof import('./delete'));
      await deleteStack(command.stackName, common);
      return EXIT_OK;
    }
    case 'status': {
      const { collectStatus, printStatus } = (require('./status') as typeof import('./status'));
      const report = await collectStatus(command.stackName, { ...common, ...carriedTemplate() });
      if (command.json) output.line(JSON.stringify(report, null, 2));
      else printStatus(report, output);
      // Unhealthy: 1. Nothing wrong found, but a part unread (denied, say): 2, an access error.
      return report.healthy ? EXIT_OK : report.problems.length > 0 ? EXIT_FAILED : EXIT_USAGE;
    }
  }
}

/** The stacks a fleet command covers, and clients for each account and Region. */
async function fleetOf({ global, fleet }: { global: GlobalOptions; fleet: FleetOptions }, home: Clients, deps: CliDependencies) {
  // A StackSet names its own Regions; otherwise the configured one.
  const regions = fleet.regions ?? (fleet.stackSet ? 'all' : [await home.cloudformation.config.region()]);
  const { fleetClients } = (require('./fleet/clients') as typeof import('./fleet/clients'));
  const { selectFleet } = (require('./fleet/select') as typeof import('./fleet/select'));
  const { clientsFor, targetDependencies } = fleetClients(deps.clients, { region: global.region, profile: global.profile }, fleet.roleName);
  const { stacks, places } = await selectFleet({ ...fleet, regions }, {
    ...targetDependencies, cloudformation: home.cloudformation, cloudformationFor: (target) => clientsFor(target).cloudformation, concurrency: fleet.concurrency,
  });
  const count = stacks.filter((s) => s.stack).length;
  const what = `${count} ${fleet.stackSet ? `stack(s) of StackSet ${fleet.stackSet}` : 'rotating stack(s)'} in ${places} account and Region pair(s)`;
  return { stacks, what, clientsFor };
}

/** `started`: the time the Timestamp is made from, the one the Ctrl-C note's --since is made from too. */
async function rotateEverything(command: Extract<Command, { name: 'rotate-all' }>, home: Clients, deps: CliDependencies, started: Date): Promise<number> {
  const { output, now } = deps;
  const { stacks, what, clientsFor } = await fleetOf(command, home, deps);
  const { describePlan, planRotations, printRotateAll, rotateAll, rotateAllExitCode } = (require('./fleet/rotate-all') as typeof import('./fleet/rotate-all'));
  const timestamp = timestampFrom(started);
  const since = command.since ?? timestamp;
  const planning = { clientsFor, timestamp, since: command.since, concurrency: command.fleet.concurrency };
  const plan = await planRotations(stacks, planning);
  // A dry run shows the plan and its summary, nothing else.
  if (command.dryRun) {
    printRotateAll(plan, output, { dryRun: true });
    return rotateAllExitCode(plan);
  }
  const { rotating, notes } = describePlan(plan, command.since);
  output.line(`Rotating ${rotating} of ${what} to Timestamp ${timestamp}${notes.map((note) => `; ${note}`).join('')}.`);
  if (rotating > 0) output.line(`If this run is interrupted, run it again with --since ${since}: stacks already rotated are skipped, those still rotating followed.`);
  const results = await rotateAll(plan, { ...planning, timeoutMs: command.timeoutMinutes * 60_000, now, sleep: deps.sleep, output });
  printRotateAll(results, output, { dryRun: false });
  return rotateAllExitCode(results);
}

async function statusAll(command: Extract<Command, { name: 'status-all' }>, home: Clients, deps: CliDependencies): Promise<number> {
  const { fleet, json } = command;
  const { stacks: found, what, clientsFor } = await fleetOf(command, home, deps);
  const { collectFleetStatus, fleetExitCode, fleetStatusJson, printFleetStatus } = (require('./fleet/status-all') as typeof import('./fleet/status-all'));
  const stacks = await collectFleetStatus(found, {
    clientsFor,
    ...carriedTemplate(),
    now: deps.now,
    concurrency: fleet.concurrency,
  });
  if (json) fleetStatusJson(stacks).forEach((line) => deps.output.line(line));
  else {
    deps.output.line(`${what}.`);
    deps.output.line();
    printFleetStatus(stacks, deps.output);
  }
  return fleetExitCode(stacks);
}

export async function main(argv: string[], deps: CliDependencies): Promise<number> {
  const env = deps.env ?? process.env;
  // Only a parsed --verbose counts: `--stack-name --verbose` does not ask for stack traces.
  let verbose = false;
  let profile: string | undefined;
  let readOnly = false;
  let stopListening: (() => void) | undefined;
  try {
    const command = parseCommandLine(argv);
    if (command.name === 'help') {
      deps.output.line(command.text);
      const note = nodeSupportNote(deps.nodeVersion ?? process.version);
      if (note) deps.output.line(`\n${note}`);
      return EXIT_OK;
    }
    if (command.name === 'version') {
      deps.output.line(packageVersion());
      return EXIT_OK;
    }
    // The SDK falls back to AWS_PROFILE too: a failure names the profile it used.
    ({ verbose, profile = env.AWS_PROFILE } = command.global);
    readOnly = command.name === 'status' || command.name === 'status-all';
    checkEndpointUrls(env);
    if (profile) await checkProfile(profile, command.global.profile ? '--profile' : 'AWS_PROFILE', deps.profiles ?? sharedProfiles);
    const started = deps.now();
    const note = interruptNote(command, argv, started);
    if (note && deps.interruptions) stopListening = onInterrupt(deps.interruptions, note, deps.output);
    return await run(command, deps, started);
  } catch (error) {
    const { message, exitCode } = describeFailure(error, { profile, readOnly });
    deps.output.error(`error: ${message}`);
    if (verbose && error instanceof Error) deps.output.error(error.stack ?? String(error));
    return exitCode;
  } finally {
    stopListening?.();
  }
}
