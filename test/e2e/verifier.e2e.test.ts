// The verifier end to end: the stack-status event delivered in-process, its requests going to the
// stand-ins, its notice read back from the emulator's SNS topic through an SQS subscription.
import { CloudFormationClient, type UpdateStackCommandInput } from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { createHandler } from '../../lambda/handler';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, stackOutput } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { deployStack, scheduledEvent, scheduledRotation, stackStatusEvent, verifierWithNotices } from './e2e.fixtures';

jest.setTimeout(60_000);

let aws: LocalAws;

beforeAll(async () => {
  aws = await localAws();
});

afterAll(async () => aws?.stop());

/** Deploys a stack whose notices also land in an SQS queue; returns its verifier and the queue's reader. */
async function stackWithNoticeQueue(stackName: string) {
  await deployStack(aws, stackName);
  return verifierWithNotices(aws, stackName);
}

const rotate = (stackName: string, time: string) => scheduledRotation(aws, stackName, time);

describe('the verifier after a scheduled rotation', () => {
  it('confirms it and publishes an OK notice to the topic', async () => {
    const { verify, notices } = await stackWithNoticeQueue('verified');
    await rotate('verified', '2026-11-23T10:00:00Z');

    const outcome = await verify(await stackStatusEvent(aws, 'verified', 'UPDATE_COMPLETE', 'rotate-2026-11-23T10-00-00Z'));

    expect(outcome).toBe('succeeded');
    const [notice] = await notices();
    expect(notice.Subject).toBe('OK: API key rotation of verified');
    expect(notice.Message).toMatch(/^Stack verified: rotated and verified\. Active key CloudFront-2026-11-23T10-00-00Z /);
  });

  it('publishes what failed when CloudFront sends a key the API refuses', async () => {
    const { verify, notices } = await stackWithNoticeQueue('broken');
    await rotate('broken', '2026-11-23T10:00:00Z');
    const distributionId = await stackOutput(aws.cloudformation, 'broken', 'DistributionId');
    const { DistributionConfig, ETag } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    DistributionConfig!.Origins!.Items![0].CustomHeaders!.Items![0].HeaderValue = 'y'.repeat(40);
    await aws.cloudfront.send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig }));

    const outcome = await verify(await stackStatusEvent(aws, 'broken', 'UPDATE_COMPLETE', 'rotate-2026-11-23T10-00-00Z'));

    expect(outcome).toBe('failed');
    const [notice] = await notices();
    expect(notice.Subject).toBe('ACTION NEEDED: API key rotation of broken');
    expect(notice.Message).toContain('CloudFront sends x-api-key');
    expect(notice.Message).toMatch(/GET https:\/\/\S+\.cloudfront\.net\/pets through CloudFront answered 403\./);
  });

  it('ignores the outcome of a deploy that did not replace the key', async () => {
    const { verify, notices } = await stackWithNoticeQueue('redeployed');
    await deployStack(aws, 'redeployed', { ApiKeyRotationSchedule: 'Monthly' }, new Date('2026-11-22T11:00:00Z'));

    await expect(verify(await stackStatusEvent(aws, 'redeployed', 'UPDATE_COMPLETE', 'deploy-2026-11-22T11-00-00Z'))).resolves.toBe('ignored');
    expect(await notices()).toEqual([]);
  });
});

describe('the rotation module', () => {
  it('starts each rotation with the rollback triggers the stack states', async () => {
    await deployStack(aws, 'guarded');
    const sent: UpdateStackCommandInput[] = [];
    const cloudformation = new CloudFormationClient(emulatorClientConfig(aws.emulator.endpoint));
    cloudformation.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'UpdateStackCommand') sent.push(args.input as UpdateStackCommandInput);
      return next(args);
    }, { step: 'initialize' });

    await createHandler({ cloudformation, stackName: 'guarded', log: () => undefined, now: () => new Date('2026-11-23T10:00:00Z') })(scheduledEvent('2026-11-23T10:00:00Z'));

    const stated = JSON.parse(await stackOutput(aws.cloudformation, 'guarded', 'RollbackConfiguration'));
    expect(stated).toEqual({
      RollbackTriggers: [{ Arn: expect.stringMatching(/^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:guarded-OriginKeyRejectedAlarm-/), Type: 'AWS::CloudWatch::Alarm' }],
      MonitoringTimeInMinutes: 10,
    });
    expect(sent.map((input) => input.RollbackConfiguration)).toEqual([stated]);
  });
});
