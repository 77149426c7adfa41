// Ctrl-C during a command that starts something in CloudFormation: the process ends, but the
// stack operation it started does not (nothing here could stop it), so the user is told that, and
// where to follow it. Commands that only read keep Node's own Ctrl-C.
import { timestampFrom } from '../../lambda/timestamp';
import { type Command, PROGRAM } from './args';
import { EXIT_INTERRUPTED } from './failure';
import type { Output } from './output';

export interface Interruptions {
  /** Where SIGINT comes from: the process, or an emitter in tests. */
  signals: { on(signal: 'SIGINT', listener: () => void): unknown; off(signal: 'SIGINT', listener: () => void): unknown };
  /** Ends the process at once: the command's own next steps are abandoned. */
  exit: (code: number) => void;
}

const followStack = (stackName: string) =>
  `Interrupted. What this command started in CloudFormation goes on without it: follow stack "${stackName}" with "${PROGRAM} status --stack-name ${stackName}", or in the CloudFormation console's stack events.`;

/**
 * What to say on Ctrl-C during the command, run as `argv` from `started` (the time its rotations'
 * Timestamp is made from); undefined when it starts nothing in CloudFormation.
 */
export function interruptNote(command: Command, argv: string[], started: Date): string | undefined {
  switch (command.name) {
    case 'deploy':
    case 'delete':
      return followStack(command.stackName);
    case 'rotate':
      return command.dryRun
        ? `Interrupted. The dry run changed nothing, but its change set may be left on stack "${command.stackName}": list it with aws cloudformation list-change-sets --stack-name ${command.stackName}, and delete it.`
        : followStack(command.stackName);
    case 'deploy-stack-set':
      return `Interrupted. The operation on StackSet "${command.stackSetName}" goes on in CloudFormation without this command: follow it with aws cloudformation list-stack-set-operations --stack-set-name ${command.stackSetName}, or on the StackSet's page in the CloudFormation console.`;
    case 'rotate-all':
      return command.dryRun
        ? undefined
        : `Interrupted. The rotations already started go on in CloudFormation without this command. To follow them and start the rest, rotating nothing twice, run: ${resumeCommand(argv, command.since ?? timestampFrom(started))}`;
    default:
      return undefined;
  }
}

/** Says `note` on stderr and exits 130 on Ctrl-C, until the returned function is called. */
export function onInterrupt({ signals, exit }: Interruptions, note: string, output: Output): () => void {
  const listener = () => {
    output.error(note);
    exit(EXIT_INTERRUPTED);
  };
  signals.on('SIGINT', listener);
  return () => signals.off('SIGINT', listener);
}

/** The command line again, with `--since` set to `since`, quoted for a POSIX shell. */
export function resumeCommand(argv: string[], since: string): string {
  const kept = argv.filter((arg, index) => !(arg === '--since' || arg.startsWith('--since=') || argv[index - 1] === '--since'));
  const quoted = [...kept, '--since', since].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`));
  return [PROGRAM, ...quoted].join(' ');
}
