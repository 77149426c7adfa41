// Which template release a stack runs, against the one this CLI carries. Releases are semantic
// versions (MAJOR.MINOR.PATCH); a stack made before 0.2.0 has no TemplateVersion output.
import type { Stack } from '@aws-sdk/client-cloudformation';

export interface Release {
  /** The stack's TemplateVersion output; null for a stack made before releases were recorded. */
  stack: string | null;
  /** The release of the template this CLI deploys. */
  carried: string;
  /** The stack runs an older release than the CLI carries, or an unrecorded one. */
  outdated: boolean;
  /** The stack runs a newer release: this CLI's deploy would put an older template back. */
  newer: boolean;
}

/** The first release whose template records itself. */
const FIRST_RECORDED = '0.2.0';
const VERSION = /^(\d+)\.(\d+)\.(\d+)/;

/** Negative when `a` is older than `b`, positive when newer, 0 when the same release; a version that is not MAJOR.MINOR.PATCH is older than any. */
export function compareReleases(a: string, b: string): number {
  const [x, y] = [VERSION.exec(a), VERSION.exec(b)];
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0) || -1;
  return Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]) || Number(x[3]) - Number(y[3]);
}

export function releaseOf(stack: Stack, carried: string): Release {
  const recorded = stack.Outputs?.find((output) => output.OutputKey === 'TemplateVersion')?.OutputValue ?? null;
  const order = recorded === null ? -1 : compareReleases(recorded, carried);
  return { stack: recorded, carried, outdated: order < 0, newer: order > 0 };
}

/** A table cell: the stack's release, marked when it is not the CLI's. */
export function releaseCell({ stack, outdated, newer }: Release): string {
  return `${stack ?? `before ${FIRST_RECORDED}`}${outdated ? ' (old)' : newer ? ' (newer)' : ''}`;
}

/** One line for a person: the stack's release and, if it differs, what to do. */
export function describeRelease({ stack, carried, outdated, newer }: Release, stackName: string): string {
  const runs = stack ?? `from before ${FIRST_RECORDED} (no TemplateVersion output)`;
  if (outdated) return `${runs}; this CLI carries ${carried}: upgrade with \`deploy --stack-name ${stackName}\`, which keeps its parameters`;
  if (newer) return `${runs}, newer than this CLI's ${carried}: upgrade the CLI before deploying to this stack`;
  return `${runs} (the release this CLI carries)`;
}
