// The project's root, found from wherever this code runs: its source under scripts/, or bundled
// into dist/ (the CLI, the demo).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(start: string): string {
  for (let directory = start; directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'template'))) return directory;
  }
  throw new Error(`No project root (a folder with package.json and template/) above ${start}`);
}

export const PROJECT_ROOT = findRoot(__dirname);
