// The locked AWS SDK supports the local Node 20; its warning is about SDK releases after
// January 2027, which will need Node 22 (the Lambda runs Node 24). Silenced for test output only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests never look for credentials on an EC2 metadata endpoint: no traffic leaves this machine.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The CDK's own template validation at synthesis takes 4 of a synthesis's 5 s (measured on the
// README's app); cfn-lint checks the same templates (npm run lint:template), and one test keeps
// it on (test/cdk/readme-example.test.ts). Child processes (the CDK toolkit, apps) inherit it.
process.env.CDK_VALIDATION = 'false';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Three workers on the 2-core machine: the end-to-end files spend much of their time waiting
  // (on key-gate bounds, activation delays, monitoring periods), and with one worker per core
  // the machine was idle a quarter of the run (sampled per second: 1.5 cores busy of 2). With
  // three, 1.9; measured on a set-up clone, 106 to 124 s against 140 s. scripts/test.js runs the
  // type check and cfn-lint niced beside them, so they take only what jest leaves idle.
  maxWorkers: 3,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  // One emulator per worker for the end-to-end files (test/support/emulator-broker.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The slowest files first, on a fresh clone too (test/support/sequencer.js).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
