// Node 24, the major version of the Lambda runtime nodejs24.x, as scripts/setup.js installs it:
// the emulator runs the functions' inline code on it, and the tests load that code on it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';

export const NODE24 = join(PROJECT_ROOT, '.tools', 'node24', 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');

export class Node24MissingError extends Error {
  override name = 'Node24MissingError';
  constructor() {
    super(`Node 24 is not installed at ${NODE24}. Run "node scripts/setup.js" to install it.`);
  }
}

/** NODE24, or Node24MissingError when setup has not installed it. */
export function node24(): string {
  if (!existsSync(NODE24)) throw new Node24MissingError();
  return NODE24;
}
