// The package as a user gets it: `npm pack`, installed into an empty directory with no repository
// around it, run with npx on Node 20 and on Node 24, and a deploy against the emulator.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalAws } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { NODE24 } from '../../scripts/node24';
import { keyState } from './e2e.fixtures';

jest.setTimeout(120_000);

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'packed-install-'));
const app = join(work, 'app');
let packed: { filename: string; files: { path: string }[] };
let aws: LocalAws;

beforeAll(async () => {
  // The CLI as `npm test` built it before jest (prepack would rebuild dist/ under the other
  // tests' feet); --prefer-offline takes the dependencies from npm's cache, where the clone's own
  // install left them.
  // The construct's type declarations, which prepack makes and npm test does not.
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.cdk.json'], { cwd: ROOT });
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  [packed] = JSON.parse(stdout);
  mkdirSync(app);
  // Side by side; an emulator that started is kept for afterAll to stop, even if the install failed.
  const [installed, started] = await Promise.allSettled([
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], { cwd: app }),
    localAws(),
  ]);
  if (started.status === 'fulfilled') aws = started.value;
  for (const outcome of [installed, started]) if (outcome.status === 'rejected') throw outcome.reason;
});

afterAll(async () => {
  await aws?.stop();
  rmSync(work, { recursive: true, force: true });
});

const NODES = [['20', process.execPath], ['24', NODE24]] as const;

/** npx in the empty directory, with `node` on PATH being the given one, as a user's shell finds it. */
function npx(node: string, args: string[], extraEnv: Record<string, string> = {}) {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _testSwitch, ...env } = process.env;
  return run('npx', ['--no-install', 'cloudfront-api-key-rotation', ...args], {
    cwd: app,
    env: { ...env, PATH: `${dirname(node)}${delimiter}${env.PATH}`, NO_COLOR: '1', ...extraEnv },
  });
}

it('holds the CLI, the CDK construct with its type declarations, the templates, the README, the licence and the changelog, and nothing else', () => {
  const paths = packed.files.map((file) => file.path).sort();

  expect(paths.filter((path) => !path.startsWith('dist/types/'))).toEqual([
    'CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cdk.js', 'dist/cli.js', 'dist/template/cloudfront-api-key-rotation.yaml', 'dist/template/service-role.yaml',
    'package.json', 'template/cloudfront-api-key-rotation.yaml', 'template/service-role.yaml',
  ]);
  expect(paths).toContain('dist/types/scripts/cdk.d.ts');
  expect(paths.filter((path) => path.startsWith('dist/types/') && !path.endsWith('.d.ts'))).toEqual([]);
});

it("gives a CDK app the construct, made of the app's own aws-cdk-lib, which finds the templates it carries", async () => {
  // The app's aws-cdk-lib and constructs: this repository's, by NODE_PATH, rather than a second install of them.
  const synth = `
    const { App } = require('aws-cdk-lib');
    const { RotatingOriginKey } = require('cloudfront-api-key-rotation/cdk');
    const app = new App();
    const key = new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: { account: '123456789012', region: 'us-east-1' } });
    const template = app.synth().getStackByName('shop-edge').template;
    console.log(require.resolve('cloudfront-api-key-rotation/cdk'), Object.keys(template.Parameters), template.Outputs.TemplateVersion.Value);`;

  const { stdout } = await run(process.execPath, ['-e', synth], { cwd: app, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });

  expect(stdout.trim()).toBe(`${join(app, 'node_modules', 'cloudfront-api-key-rotation', 'dist', 'cdk.js')} [ 'Timestamp' ] ${version}`);
});

describe.each(NODES)('installed from the tarball, on Node %s', (major, node) => {
  it('prints its version', async () => {
    const { stdout } = await npx(node, ['--version']);

    expect(stdout.trim()).toBe(version);
  });

  it('prints its help, with the Node note only where the SDK will drop the Node version', async () => {
    const { stdout } = await npx(node, ['--help']);

    expect(stdout).toContain('Usage: cloudfront-api-key-rotation');
    expect(stdout.includes('Note: you run Node v20.')).toBe(major === '20');
  });

});

// On both Nodes at once: each deploy waits on CloudFormation's progress in real time.
it('deploys a stack whose key CloudFront sends, on Node 20 and on Node 24', async () => {
  const deployOn = async ([major, node]: (typeof NODES)[number]) => {
    const stackName = `packed-node${major}`;
    const { stdout } = await npx(node, ['deploy', '--stack-name', stackName], {
      AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
    });
    return { templateVersion: /TemplateVersion +(\S+)\n/.exec(stdout)?.[1], key: await keyState(aws, stackName) };
  };

  const deployed = await Promise.all(NODES.map(deployOn));

  const seen = deployed.map(({ templateVersion, key }) => ({ templateVersion, headerIsKey: key.header === key.keyValue, planKeyIds: key.planKeyIds }));
  expect(seen).toEqual(deployed.map(({ key }) => ({ templateVersion: version, headerIsKey: true, planKeyIds: [key.keyId] })));
});
