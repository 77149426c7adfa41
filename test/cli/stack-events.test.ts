import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { followStackOperation } from '../../scripts/cli/stack-events';
import { START, TOKEN, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const statuses = (...values: string[]) => {
  const mock = cloudformation.on(DescribeStacksCommand);
  values.forEach((StackStatus) => mock.resolvesOnce({ Stacks: [{ StackName: 'edge-api', StackStatus: StackStatus as StackStatus, CreationTime: START }] }));
};
const follow = (output = recordingOutput()) =>
  followStackOperation({
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    stackName: 'edge-api',
    clientRequestToken: TOKEN,
    since: START,
    sleep: noSleep,
    output,
  });
const columns = (line: string) => line.split(/\s{2,}/);

beforeEach(() => cloudformation.reset());

describe('followStackOperation', () => {
  const begin = stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 1);
  const keyStarted = stackEvent('ApiKey', 'UPDATE_IN_PROGRESS', 2, { reason: 'Requested update requires the creation of a new physical resource; hence creating one.' });
  const keyDone = stackEvent('ApiKey', 'UPDATE_COMPLETE', 3);
  const distributionDone = stackEvent('Distribution', 'UPDATE_COMPLETE', 4, { type: 'AWS::CloudFront::Distribution' });
  const end = stackEvent('edge-api', 'UPDATE_COMPLETE', 5);

  it('prints each event once, oldest first, across polls', async () => {
    statuses('UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE');
    cloudformation
      .on(DescribeStackEventsCommand)
      .resolvesOnce(newestFirst([begin, keyStarted]))
      .resolvesOnce(newestFirst([begin, keyStarted, keyDone]))
      .resolvesOnce(newestFirst([begin, keyStarted, keyDone, distributionDone, end]));
    const output = recordingOutput();

    const result = await follow(output);

    expect(result).toEqual({
      status: 'UPDATE_COMPLETE',
      succeeded: true,
      failures: [],
      touchedTypes: new Set(['AWS::ApiGateway::ApiKey', 'AWS::CloudFront::Distribution']),
    });
    expect(output.lines.map((line) => columns(line).slice(2, 5))).toEqual([
      ['UPDATE_IN_PROGRESS', 'AWS::CloudFormation::Stack', 'edge-api'],
      ['UPDATE_IN_PROGRESS', 'AWS::ApiGateway::ApiKey', 'ApiKey'],
      ['UPDATE_COMPLETE', 'AWS::ApiGateway::ApiKey', 'ApiKey'],
      ['UPDATE_COMPLETE', 'AWS::CloudFront::Distribution', 'Distribution'],
      ['UPDATE_COMPLETE', 'AWS::CloudFormation::Stack', 'edge-api'],
    ]);
  });

  it('counts resources done out of those touched so far', async () => {
    statuses('UPDATE_COMPLETE');
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([begin, keyStarted, keyDone, distributionDone, end]));
    const output = recordingOutput();

    await follow(output);

    expect(output.lines.map((line) => columns(line)[1].trim())).toEqual(['[0/0]', '[0/1]', '[1/1]', '[2/2]', '[2/2]']);
  });

  it('prints the whole operation when it has already ended at the first poll', async () => {
    statuses('UPDATE_COMPLETE');
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([begin, keyStarted, keyDone, end]));
    const output = recordingOutput();

    const result = await follow(output);

    expect(result.succeeded).toBe(true);
    expect(output.lines).toHaveLength(4);
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it("ignores earlier operations' events and other operations' tokens", async () => {
    statuses('UPDATE_COMPLETE');
    const earlier = stackEvent('edge-api', 'UPDATE_COMPLETE', -60, { token: 'rotate-2026-11-21T10-00-00Z' });
    const concurrent = stackEvent('Other', 'UPDATE_COMPLETE', 2, { token: 'Console-UpdateStack-1' });
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([earlier, begin, concurrent, end]));
    const output = recordingOutput();

    await follow(output);

    expect(output.lines.map((line) => columns(line)[4])).toEqual(['edge-api', 'edge-api']);
  });

  it('reads further pages until it reaches events it has printed', async () => {
    statuses('UPDATE_COMPLETE');
    cloudformation
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ ...newestFirst([distributionDone, end]), NextToken: 'page-2' })
      .resolvesOnce(newestFirst([begin, keyStarted, keyDone]));
    const output = recordingOutput();

    await follow(output);

    expect(output.lines).toHaveLength(5);
    expect(cloudformation.commandCalls(DescribeStackEventsCommand)[1].args[0].input.NextToken).toBe('page-2');
  });

  it('counts a rollback down and reports each failed resource with its reason', async () => {
    statuses('UPDATE_ROLLBACK_COMPLETE');
    const failed = stackEvent('Distribution', 'UPDATE_FAILED', 4, { type: 'AWS::CloudFront::Distribution', reason: 'Access denied for cloudfront:UpdateDistribution' });
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([
      begin, keyStarted, keyDone, failed,
      stackEvent('edge-api', 'UPDATE_ROLLBACK_IN_PROGRESS', 5),
      stackEvent('ApiKey', 'DELETE_COMPLETE', 6),
      stackEvent('edge-api', 'UPDATE_ROLLBACK_COMPLETE', 7),
    ]));
    const output = recordingOutput();

    const result = await follow(output);

    expect(result).toEqual({
      status: 'UPDATE_ROLLBACK_COMPLETE',
      succeeded: false,
      failures: ['Distribution UPDATE_FAILED: Access denied for cloudfront:UpdateDistribution'],
      touchedTypes: new Set(['AWS::ApiGateway::ApiKey', 'AWS::CloudFront::Distribution']),
    });
    expect(output.lines.map((line) => columns(line)[1].trim())).toEqual(['[0/0]', '[0/1]', '[1/1]', '[1/2]', '[1/2]', '[0/2]', '[0/2]']);
  });

  it('waits between polls while the operation runs', async () => {
    statuses('UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE');
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([begin, end]));
    const sleep = jest.fn(async () => undefined);

    await followStackOperation({ cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), stackName: 'edge-api', since: START, sleep, output: recordingOutput(), pollIntervalMs: 5000 });

    expect(sleep.mock.calls).toEqual([[5000]]);
  });

  it.each([
    [false, /^\d{2}:\d{2}:\d{2} {2}\[/],
    [true, /\u001b\[33mUPDATE_IN_PROGRESS/],
  ])('with colour %s writes %s', async (colour, pattern) => {
    statuses('UPDATE_COMPLETE');
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([begin]));
    const output = recordingOutput(colour);

    await follow(output);

    expect(output.lines[0]).toMatch(pattern);
    if (!colour) expect(output.lines[0]).not.toContain('\u001b');
  });
});
