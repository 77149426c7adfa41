// The installed command's start-up, as a user meets it: wall time and peak memory (maximum
// resident set size) of `node dist/cli.js …` in a fresh process, for `npm run benchmark`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from './paths';

export interface StartupSample {
  milliseconds: number;
  /** process.resourceUsage().maxRSS at exit, in MiB. */
  peakMiB: number;
}

/** Runs `node <nodeArgs>` once; `env` reaches it as it is (an emulator's endpoint, say). */
export async function measureNode(nodeArgs: string[], env: NodeJS.ProcessEnv): Promise<StartupSample> {
  const directory = mkdtempSync(join(tmpdir(), 'cli-startup-'));
  try {
    // Preloaded into the measured process: its own peak, which the parent cannot read.
    const preload = join(directory, 'peak.js');
    const report = join(directory, 'peak');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`);
    const started = performance.now();
    await new Promise<void>((resolve) => execFile(process.execPath, ['--require', preload, ...nodeArgs], { env }, () => resolve()));
    return { milliseconds: performance.now() - started, peakMiB: Number(readFileSync(report, 'utf8')) / 1024 };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The built CLI with `args`. */
export const measureCli = (args: string[], env: NodeJS.ProcessEnv) => measureNode([join(PROJECT_ROOT, 'dist', 'cli.js'), ...args], env);
