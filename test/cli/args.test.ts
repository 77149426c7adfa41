import { COMMAND_OPTIONS, GLOBAL_OPTIONS, HELP, parseCommandLine } from '../../scripts/cli/args';
import { UsageError } from '../../scripts/cli/errors';

const global = { region: undefined, profile: undefined, verbose: false };

describe('parseCommandLine', () => {
  it.each([
    [['deploy', '--stack-name', 'edge-api'], { name: 'deploy', stackName: 'edge-api', parameters: {}, rotate: false, changeOrigin: false, serviceRole: false, testRotation: true, global }],
    [
      ['deploy', '--stack-name', 'edge-api', '--template-bucket', 'ops-templates.example'],
      { name: 'deploy', stackName: 'edge-api', parameters: {}, rotate: false, changeOrigin: false, serviceRole: false, testRotation: true, templateBucket: 'ops-templates.example', global },
    ],
    [['delete', '--stack-name', 'edge-api', '--region', 'eu-west-1'], { name: 'delete', stackName: 'edge-api', global: { ...global, region: 'eu-west-1' } }],
    [
      [
        'deploy', '--stack-name', 'edge-api', '--api-url', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', '--schedule', 'Monthly',
        '--web-acl-arn', 'arn:x', '--notification-email', 'ops@example.com', '--health-check-path', '/health', '--key-gate-seconds', '60', '--rollback-minutes', '0', '--rotate', '--change-origin',
        '--service-role', '--skip-test-rotation',
      ],
      {
        name: 'deploy',
        stackName: 'edge-api',
        parameters: {
          ApiURL: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', ApiKeyRotationSchedule: 'Monthly', WebACLArn: 'arn:x',
          NotificationEmail: 'ops@example.com', HealthCheckPath: '/health', KeyGateTimeoutSeconds: '60', RollbackMonitoringMinutes: '0',
        },
        rotate: true,
        changeOrigin: true,
        serviceRole: true,
        testRotation: false,
        global,
      },
    ],
    [
      ['deploy', '--stack-set', 'edge-apis', '--regions', 'us-east-1,eu-west-1', '--accounts', '111111111111', '--api-urls', 'urls.yaml', '--schedule', 'Monthly', '--change-origin'],
      {
        name: 'deploy-stack-set', stackSetName: 'edge-apis', regions: ['us-east-1', 'eu-west-1'], accounts: ['111111111111'], organizationalUnits: undefined,
        parameters: { ApiKeyRotationSchedule: 'Monthly' }, apiUrlsFile: 'urls.yaml', concurrency: undefined, changeOrigin: true, global,
      },
    ],
    [
      ['deploy', '--stack-set', 'edge-apis', '--regions', 'eu-west-1', '--ou', 'ou-ab12-cd345678', '--concurrency', '10', '--template-bucket', 'ops-templates'],
      {
        name: 'deploy-stack-set', stackSetName: 'edge-apis', regions: ['eu-west-1'], accounts: undefined, organizationalUnits: ['ou-ab12-cd345678'],
        parameters: {}, apiUrlsFile: undefined, concurrency: 10, changeOrigin: false, templateBucket: 'ops-templates', global,
      },
    ],
    [['rotate', '--stack-name', 'edge-api'], { name: 'rotate', stackName: 'edge-api', dryRun: false, wait: true, global }],
    [['rotate', '--stack-name=edge-api', '--dry-run'], { name: 'rotate', stackName: 'edge-api', dryRun: true, wait: true, global }],
    [['rotate', '--stack-name', 'edge-api', '--no-wait'], { name: 'rotate', stackName: 'edge-api', dryRun: false, wait: false, global }],
    [
      ['status', '--stack-name', 'edge-api', '--json', '--region', 'eu-west-1', '--profile', 'ops', '--verbose'],
      { name: 'status', stackName: 'edge-api', json: true, global: { region: 'eu-west-1', profile: 'ops', verbose: true } },
    ],
  ])('reads %j', (argv, command) => {
    expect(parseCommandLine(argv)).toEqual(command);
  });

  it.each([
    [[], HELP.main],
    [['--help'], HELP.main],
    [['help', 'status'], HELP.status],
    [['deploy', '--help'], HELP.deploy],
    [['rotate', '-h'], HELP.rotate],
    [['help', 'toString'], HELP.main],
    [['help', 'constructor'], HELP.main],
  ])('shows help for %j', (argv, text) => {
    expect(parseCommandLine(argv)).toEqual({ name: 'help', text });
  });

  it('reads --version', () => {
    expect(parseCommandLine(['--version'])).toEqual({ name: 'version' });
  });

  it.each([
    ['a Region of the European Sovereign Cloud', ['--region', 'eusc-de-east-1']],
    ['a GovCloud Region', ['--region', 'us-gov-west-1']],
    ['a flag given once, and a flag that takes no value given twice', ['--verbose', '--verbose']],
  ])('accepts %s', (_case, flags) => {
    expect(() => parseCommandLine(['status', '--stack-name', 'edge-api', ...flags])).not.toThrow();
  });

  it.each([
    [['launch'], 'Unknown command "launch". Commands: deploy, rotate, status, delete.'],
    [['toString'], 'Unknown command "toString". Commands: deploy, rotate, status, delete.'],
    [['constructor', '--stack-name', 'x'], 'Unknown command "constructor". Commands: deploy, rotate, status, delete.'],
    [['__proto__'], 'Unknown command "__proto__". Commands: deploy, rotate, status, delete.'],
    [
      ['deploy', '--stack-name', 'x', '--rollback-minutes', '-1'],
      '--rollback-minutes needs a value, but the next argument starts with a dash: give the value, or write --rollback-minutes=<value> for a value that starts with one.',
    ],
    [['status', '--stack-name', '--region', 'eu-west-1'], '--stack-name needs a value, but the next argument starts with a dash'],
    [['status', '--stack-name', 'x', '--json=yes'], '--json takes no value.'],
    [['rotate', '--stack-name', 'x', '--help=yes'], '--help takes no value.'],
    [['status'], '--stack-name is required.'],
    [['status', '--stack-name', '9lives'], '--stack-name "9lives" is not a stack name'],
    [['status', '--stack-name', 'edge-api', '--bogus'], "Unknown option '--bogus'."],
    [['status', '--stack-name'], '--stack-name needs a value.'],
    [['rotate', '--stack-name', 'edge-api', '--dry-run', '--no-wait'], '--dry-run and --no-wait do not go together'],
    [['status', '--stack-name', 'edge-api', 'extra'], "Unexpected argument 'extra'"],
    [['deploy', '--stack-name', 'x', '--regions', 'eu-west-1'], '--regions belongs to a StackSet deploy: add --stack-set NAME.'],
    [['deploy', '--stack-set', '1set', '--regions', 'eu-west-1', '--accounts', '111111111111'], '--stack-set "1set" is not a StackSet name'],
    [['deploy', '--stack-set', 's', '--accounts', '111111111111'], '--stack-set needs --regions R1,R2'],
    [['deploy', '--stack-set', 's', '--regions', 'all', '--accounts', '111111111111'], '--stack-set needs --regions R1,R2'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1'], '--stack-set needs --accounts A1,A2 (self-managed) or --ou OU1,OU2'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--accounts', '111111111111', '--ou', 'r-abcd'], 'one of them'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--ou', 'ou-1'], '--ou: "ou-1" is not an organizational unit ID'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--accounts', '111111111111', '--service-role'], 'a stack instance has no stack service role'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--accounts', '111111111111', '--rotate'], '--rotate is implied'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--accounts', '111111111111', '--distribution-id', 'E2QWRUHAPOMQZL'], '--distribution-id does not apply to a StackSet'],
    [['deploy', '--stack-set', 's', '--stack-name', 'x', '--regions', 'eu-west-1', '--accounts', '111111111111'], '--stack-name does not go with --stack-set.'],
    [['status', '--stack-name', 'edge-api', '--region', 'US EAST 1'], '--region "US EAST 1" is not a Region name: give one like eu-west-1.'],
    [['rotate', '--all', '--region', 'eu_west_1'], '--region "eu_west_1" is not a Region name: give one like eu-west-1.'],
    [['status', '--stack-name', 'edge-api', '--region='], '--region "" is not a Region name: give one like eu-west-1.'],
    [['status', '--stack-name', 'a', '--stack-name', 'b'], '--stack-name is given more than once ("a", "b"): give it once.'],
    [['rotate', '--stack-name', 'a', '--region', 'eu-west-1', '--region=us-east-1'], '--region is given more than once ("eu-west-1", "us-east-1"): give it once.'],
    [['deploy', '--stack-name', 'a', '--schedule', 'Daily', '--schedule', 'Daily'], '--schedule is given more than once ("Daily", "Daily"): give it once.'],
    [['deploy', '--stack-name', 'a', '--template-bucket', 'Ops_Templates'], '--template-bucket "Ops_Templates" is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens'],
    [['deploy', '--stack-set', 's', '--regions', 'eu-west-1', '--accounts', '111111111111', '--template-bucket', 'ab'], '--template-bucket "ab" is not an S3 bucket name'],
  ])('refuses %j in one sentence', (argv, message) => {
    const parse = () => parseCommandLine(argv);

    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
    expect(parse).not.toThrow('\n');
  });
});

describe('help', () => {
  it.each(Object.keys(COMMAND_OPTIONS))('for %s names every option it accepts and gives examples', (command) => {
    for (const option of Object.keys({ ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] })) {
      expect(HELP[command]).toContain(`--${option}`);
    }
    expect(HELP[command]).toContain('Examples:');
  });

  it('names the fleet and StackSet forms at the top level', () => {
    expect(HELP.main).toContain('rotate|status --all');
    expect(HELP.main).toContain('deploy --stack-set NAME');
  });

  it.each([
    ['deploy', 'the stack (required, unless --stack-set NAME deploys a StackSet)'],
    ['rotate', 'the stack (required, unless --all selects a fleet)'],
    ['status', 'the stack (required, unless --all selects a fleet)'],
    ['delete', 'the stack (required)'],
  ])('for %s says when --stack-name is required', (command, line) => {
    expect(HELP[command]).toContain(`--stack-name S    ${line}\n`);
  });
});
