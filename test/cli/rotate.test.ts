import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { APIGatewayClient, GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { NotThisTemplateError, StackBusyError } from '../../lambda/errors';
import { describeFailure } from '../../scripts/cli/failure';
import { ChangeSetFailedError, ChangeSetNotDeletedError, OperationFailedError, RotationLeftoversError, StackCreationFailedError, StackNotCreatedError } from '../../scripts/cli/errors';
import { dryRun, rotate } from '../../scripts/cli/rotate';
import { ClientsRefusedError } from '../../scripts/cli/through-cloudfront';
import { OWN_OUTPUTS, stack } from '../rotation.fixtures';
import { START, TOKEN, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
let output: ReturnType<typeof recordingOutput>;
const deps = () => ({
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
  now: () => START,
  sleep: noSleep,
  output,
});
const OUTPUTS = [...OWN_OUTPUTS.filter((o) => o.OutputKey !== 'ApiKeyId' && o.OutputKey !== 'UsagePlanId'), { OutputKey: 'ApiKeyId', OutputValue: 'newkey0001' }, { OutputKey: 'UsagePlanId', OutputValue: 'plan01' }];
const NEW_KEY = { id: 'newkey0001', name: 'CloudFront-2026-11-22T10-00-00Z' };
/** A rotation that CloudFormation reports complete, with `events` after the update started. */
const completedRotation = (events = [stackEvent('edge-api', 'UPDATE_COMPLETE', 2)]) => {
  cloudformation.on(UpdateStackCommand).resolves({});
  cloudformation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack()] }).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_COMPLETE', Outputs: OUTPUTS })] });
  cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 1), ...events]));
};
const change = (LogicalResourceId: string, ResourceType: string, Action: 'Add' | 'Modify' | 'Remove', Replacement?: 'True' | 'False' | 'Conditional') => ({
  Type: 'Resource' as const,
  ResourceChange: { LogicalResourceId, ResourceType, Action, Replacement },
});

beforeEach(() => {
  cloudformation.reset();
  apigateway.reset();
  apigateway.on(GetApiKeyCommand).resolves(NEW_KEY);
  apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [NEW_KEY] });
  output = recordingOutput();
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack()] });
});

describe('rotate', () => {
  it('rotates to Timestamp = now through the rotation module and follows the update to the end', async () => {
    completedRotation();

    const outcome = await rotate('edge-api', true, deps());

    expect(outcome).toMatchObject({ result: 'started', timestamp: '2026-11-22T10-00-00Z' });
    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.ClientRequestToken).toBe(TOKEN);
    expect(output.lines[0]).toBe('Stack edge-api: Timestamp 2026-10-23T01-57-00Z → 2026-11-22T10-00-00Z: rotation started.');
    expect(output.lines).toContain(
      "Stack edge-api: UPDATE_COMPLETE. Checked: the active key newkey0001 is this rotation's and the only key in the usage plan; no cleanup failed. (Not requested through CloudFront: it is out of reach of this endpoint.)",
    );
  });

  it.each([
    [
      'the old key could not be deleted',
      () => {
        completedRotation([stackEvent('ApiKey', 'DELETE_FAILED', 2, { reason: 'Resource is in use' }), stackEvent('edge-api', 'UPDATE_COMPLETE', 3)]);
        apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [NEW_KEY, { id: 'oldkey0001', name: 'CloudFront-2026-10-23T01-57-00Z' }] });
      },
      'but ApiKey DELETE_FAILED: Resource is in use; the usage plan holds CloudFront-2026-11-22T10-00-00Z (newkey0001), CloudFront-2026-10-23T01-57-00Z (oldkey0001).',
    ],
    [
      'the key did not change',
      () => {
        completedRotation();
        apigateway.on(GetApiKeyCommand).resolves({ id: 'newkey0001', name: 'CloudFront-2026-10-23T01-57-00Z' });
      },
      "but the active key is CloudFront-2026-10-23T01-57-00Z (newkey0001), not this rotation's CloudFront-2026-11-22T10-00-00Z.",
    ],
  ])('claims no success when %s, and says what is left', async (_case, arrange, leftovers) => {
    arrange();

    const rotation = rotate('edge-api', true, deps());

    await expect(rotation).rejects.toBeInstanceOf(RotationLeftoversError);
    await expect(rotation).rejects.toThrow(`Stack "edge-api" reports the rotation complete, ${leftovers} Remove what is left by hand`);
    expect(output.lines.join('\n')).not.toContain('Checked:');
  });

  it.each([
    [200, true],
    [403, false],
  ])('then requests the health-check path through CloudFront: %i passes: %s', async (answer, passes) => {
    completedRotation();
    cloudformation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack()] }).resolves({
      Stacks: [stack({ StackStatus: 'UPDATE_COMPLETE', Outputs: [...OUTPUTS, { OutputKey: 'DistributionURL', OutputValue: 'https://d111111abcdef8.cloudfront.net' }] })],
    });
    const asked: string[] = [];
    const edge = async (url: string) => (asked.push(url), answer);

    const rotation = rotate('edge-api', true, { ...deps(), edge });

    if (passes) {
      await rotation;
      expect(output.lines).toContainEqual(expect.stringContaining('GET https://d111111abcdef8.cloudfront.net/pets through CloudFront answers 200.'));
    } else {
      await expect(rotation).rejects.toBeInstanceOf(ClientsRefusedError);
      await expect(rotation).rejects.toThrow('GET https://d111111abcdef8.cloudfront.net/pets through CloudFront answered 403: clients are refused.');
      const refused = (await rotation.catch((error: Error) => error)) as Error;
      expect(describeFailure(refused)).toEqual({ message: refused.message, exitCode: 1 });
    }
    expect(asked).toEqual(['https://d111111abcdef8.cloudfront.net/pets']);
  });

  it('returns as soon as the update has started with --no-wait', async () => {
    cloudformation.on(UpdateStackCommand).resolves({});

    await rotate('edge-api', false, deps());

    expect(cloudformation.commandCalls(DescribeStackEventsCommand)).toHaveLength(0);
    expect(output.lines).toHaveLength(1);
  });

  it('fails when the rotation rolls back', async () => {
    cloudformation.on(UpdateStackCommand).resolves({});
    cloudformation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack()] }).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([stackEvent('edge-api', 'UPDATE_ROLLBACK_COMPLETE', 2)]));

    await expect(rotate('edge-api', true, deps())).rejects.toBeInstanceOf(OperationFailedError);
  });
});

describe('rotate --dry-run', () => {
  beforeEach(() => {
    cloudformation.on(CreateChangeSetCommand).resolves({});
    cloudformation.on(DeleteChangeSetCommand).resolves({});
  });

  it('lists each change with its action and whether it replaces, then deletes the change set', async () => {
    cloudformation
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS' })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [change('ApiKeySecret', 'AWS::SecretsManager::Secret', 'Modify', 'True'), change('ApiKey', 'AWS::ApiGateway::ApiKey', 'Modify', 'True')],
        NextToken: 'more',
      })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [change('UsagePlanKey', 'AWS::ApiGateway::UsagePlanKey', 'Modify', 'Conditional'), change('Distribution', 'AWS::CloudFront::Distribution', 'Modify', 'False')],
      });

    const changes = await dryRun('edge-api', deps());

    expect(changes).toEqual([
      { action: 'Modify', logicalId: 'ApiKeySecret', type: 'AWS::SecretsManager::Secret', replacement: 'True' },
      { action: 'Modify', logicalId: 'ApiKey', type: 'AWS::ApiGateway::ApiKey', replacement: 'True' },
      { action: 'Modify', logicalId: 'UsagePlanKey', type: 'AWS::ApiGateway::UsagePlanKey', replacement: 'Conditional' },
      { action: 'Modify', logicalId: 'Distribution', type: 'AWS::CloudFront::Distribution', replacement: 'False' },
    ]);
    expect(output.lines.some((line) => /Distribution\s+AWS::CloudFront::Distribution\s+in place$/.test(line))).toBe(true);
    expect(output.lines.some((line) => /ApiKey\s+AWS::ApiGateway::ApiKey\s+replaced$/.test(line))).toBe(true);
    expect(output.lines.some((line) => /UsagePlanKey\s+AWS::ApiGateway::UsagePlanKey\s+replaced if a value known only during the update requires it \(Conditional\)$/.test(line))).toBe(true);
    expect(cloudformation.commandCalls(CreateChangeSetCommand)[0].args[0].input).toMatchObject({
      ChangeSetType: 'UPDATE',
      UsePreviousTemplate: true,
      Parameters: expect.arrayContaining([{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T10-00-00Z' }, { ParameterKey: 'ApiURL', UsePreviousValue: true }]),
      Capabilities: ['CAPABILITY_IAM'],
    });
    expect(cloudformation.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('aligns the columns on the longest resource type, AWS::CloudFormation::CustomResource among them', async () => {
    cloudformation.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [change('KeyGate', 'AWS::CloudFormation::CustomResource', 'Modify', 'False'), change('ApiKey', 'AWS::ApiGateway::ApiKey', 'Modify', 'True')],
    });

    await dryRun('edge-api', deps());

    const rows = output.lines.filter((line) => line.startsWith('  Modify'));
    expect(rows).toEqual([
      '  Modify  KeyGate  AWS::CloudFormation::CustomResource  in place',
      '  Modify  ApiKey   AWS::ApiGateway::ApiKey              replaced',
    ]);
  });

  it('deletes the change set even when it failed', async () => {
    cloudformation.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'Parameter validation failed' });

    await expect(dryRun('edge-api', deps())).rejects.toBeInstanceOf(ChangeSetFailedError);
    expect(cloudformation.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });

  it('says so when the change set lists no change', async () => {
    cloudformation.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
    });

    await expect(dryRun('edge-api', deps())).resolves.toEqual([]);
    expect(output.lines).toEqual([
      'Dry run for stack edge-api: Timestamp 2026-10-23T01-57-00Z → 2026-11-22T10-00-00Z would change nothing. Nothing was changed: the change set has been deleted.',
    ]);
  });

  it("keeps the change set's own failure when deleting it fails too, and mentions the leftover", async () => {
    cloudformation.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'Parameter validation failed' });
    cloudformation.on(DeleteChangeSetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(dryRun('edge-api', deps())).rejects.toBeInstanceOf(ChangeSetFailedError);
    expect(output.errors).toEqual([expect.stringMatching(/^warning: The dry run changed nothing, but its change set rotate-dry-run-2026-11-22T10-00-00Z could not be deleted/)]);
  });

  it('claims no clean dry run when its change set could not be deleted', async () => {
    cloudformation.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [change('ApiKey', 'AWS::ApiGateway::ApiKey', 'Modify', 'True')] });
    cloudformation.on(DeleteChangeSetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(dryRun('edge-api', deps())).rejects.toBeInstanceOf(ChangeSetNotDeletedError);
    expect(output.lines.join('\n')).not.toContain('has been deleted');
  });

  it('refuses a busy stack without creating a change set', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_IN_PROGRESS' })] });

    await expect(dryRun('edge-api', deps())).rejects.toBeInstanceOf(StackBusyError);
    expect(cloudformation.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });
});

describe('refuses, with the real reason and remedy, a stack that', () => {
  it.each([
    ['holds only an unexecuted change set', 'REVIEW_IN_PROGRESS', StackNotCreatedError, 'execute or delete that change set first'],
    ['failed to create', 'ROLLBACK_COMPLETE', StackCreationFailedError, 'delete it (the delete command: delete --stack-name edge-api), then deploy again'],
  ] as const)('%s (%s), in rotate and in the dry run', async (_case, StackStatus, errorClass, remedy) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus, Parameters: StackStatus === 'REVIEW_IN_PROGRESS' ? [] : undefined })] });

    for (const command of [() => rotate('edge-api', true, deps()), () => dryRun('edge-api', deps())]) {
      const refused = command();
      await expect(refused).rejects.toBeInstanceOf(errorClass);
      await expect(refused).rejects.toThrow(remedy);
    }
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });
});

// Another template's stack with a Timestamp parameter: a new Timestamp would replace whatever
// depends on it there (a bucket, a topic), as the review saw it do.
describe("refuses another template's stack, changing nothing,", () => {
  beforeEach(() => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: [{ OutputKey: 'BucketName', OutputValue: 'assets' }] })] });
  });

  it.each([
    ['in rotate', () => rotate('edge-api', true, deps())],
    ['in the dry run', () => dryRun('edge-api', deps())],
  ])('%s', async (_case, command) => {
    const refused = command();

    await expect(refused).rejects.toBeInstanceOf(NotThisTemplateError);
    await expect(refused).rejects.toThrow('Stack "edge-api" was not made from this template (it has no output ApiKeyId');
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('and says so with exit code 2, as for any stack that is not the one meant', () => {
    expect(describeFailure(new NotThisTemplateError('edge-api', ['output ApiKeyId'])).exitCode).toBe(2);
  });
});
