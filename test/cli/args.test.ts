import { COMMAND_OPTIONS, GLOBAL_OPTIONS, HELP, parseCommandLine } from '../../scripts/cli/args';
import { UsageError } from '../../scripts/cli/errors';

const global = { region: undefined, profile: undefined, verbose: false };

describe('parseCommandLine', () => {
  it.each([
    [['deploy', '--stack-name', 'edge-api'], { name: 'deploy', stackName: 'edge-api', parameters: {}, rotate: false, changeOrigin: false, serviceRole: false, testRotation: true, global }],
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

  it.each([
    [['launch'], 'Unknown command "launch". Commands: deploy, rotate, status.'],
    [['toString'], 'Unknown command "toString". Commands: deploy, rotate, status.'],
    [['constructor', '--stack-name', 'x'], 'Unknown command "constructor". Commands: deploy, rotate, status.'],
    [['__proto__'], 'Unknown command "__proto__". Commands: deploy, rotate, status.'],
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
});
