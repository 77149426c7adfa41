// The locked AWS SDK supports the local Node 20; its warning is about SDK releases after
// January 2027, which will need Node 22 (the Lambda runs Node 24). Silenced for test output only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests never look for credentials on an EC2 metadata endpoint: no traffic leaves this machine.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Three workers on two cores, not jest's default of one fewer than the cores: the end-to-end
  // files wait on their emulator and on real timers (key-gate bounds, activation delays), and two
  // workers left a fifth of the CPU idle. Measured on 2 cores: 2 workers 120 s, 3 workers 105 to
  // 110 s (3 runs), 4 workers 110 to 150 s with tests that start processes timing out.
  maxWorkers: '150%',
  // A bound on a hung test, not a figure: loaded cores stretch tests that start processes or
  // load IAM's reference data. The end-to-end files set their own.
  testTimeout: 20_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
