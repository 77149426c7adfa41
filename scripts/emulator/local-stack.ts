// What the demo, the end-to-end tests and the benchmark share: the emulator, SDK clients aimed at
// it, and the stand-ins in front of a deployed stack.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { request } from 'node:http';
import { outputOf } from '../../lambda/rotation';
import { parseTemplate, readTemplate } from '../template';
import { node24 } from '../node24';
import type { EdgeGet } from '../cli/through-cloudfront';
import { type Emulator, type EmulatorTiming, emulatorClientConfig, startEmulator } from './launch';
import { type ApiStageStandIn, type StandIn, startApiStageStandIn, startCloudFrontStandIn } from './stand-ins';

export interface LocalClients {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  cloudfront: CloudFrontClient;
  lambda: LambdaClient;
  s3: S3Client;
  sts: STSClient;
}

export interface LocalAws extends LocalClients {
  emulator: Emulator;
  /** The "API stage" stand-in, serving every API of the emulator. */
  apiStage: ApiStageStandIn;
  /** A "CloudFront" stand-in for the stack's distribution (started on first use); `where`: clients in the stack's account and Region, when not the first account's us-east-1. */
  cloudFrontFor(stackName: string, where?: Pick<LocalClients, 'cloudformation' | 'cloudfront'>): Promise<StandIn>;
  /** A client's GET of `https://<distribution domain>/<path>`, answered by that distribution's stand-in (the first account's distributions). */
  edge: EdgeGet;
  stop(): Promise<void>;
}

/** `credentials`: of a role assumed in another account (moto serves its account to them); moto's dummy ones by default. */
export function localClients(endpoint: string, region = 'us-east-1', credentials?: AwsCredentialIdentity): LocalClients {
  const config = { ...emulatorClientConfig(endpoint), region, ...(credentials && { credentials }) };
  return {
    cloudformation: new CloudFormationClient(config),
    apigateway: new APIGatewayClient(config),
    cloudfront: new CloudFrontClient(config),
    lambda: new LambdaClient(config),
    s3: new S3Client(config),
    sts: new STSClient(config),
  };
}

/** The body the demo API's MOCK integration returns for GET /pets, as the template declares it. */
export function demoPets(): string {
  const method = parseTemplate(readTemplate()).Resources.DemoPetsGet.Properties;
  return method.Integration.IntegrationResponses[0].ResponseTemplates['application/json'];
}

/**
 * The CLI's waits (polls sized for AWS's minutes, pacing), shortened to the emulator's pace, whose
 * operations end in about a second: a poll every 100 ms at most, as emulatorWaiter's, and never
 * a busy loop that keeps the emulator serializing the same answers.
 */
export const emulatorSleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(milliseconds, 100)));

/**
 * Settings for the SDK's stack waiters (waitUntilStackCreateComplete and the like) on the emulator:
 * as in AWS, CreateStack, UpdateStack and ExecuteChangeSet answer once the operation has started,
 * but here it takes seconds, so a poll every 0.1 to 0.25 s rather than every 30 s or more.
 */
export function emulatorWaiter(client: CloudFormationClient, maxWaitTime = 120) {
  return { client, maxWaitTime, minDelay: 0.1, maxDelay: 0.25 };
}

export async function stackOutput(cloudformation: CloudFormationClient, stackName: string, key: string): Promise<string> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const value = outputOf(Stacks?.[0], key);
  if (value === undefined) throw new Error(`Stack ${stackName} has no output ${key}`);
  return value;
}

/**
 * The ARN of a stack's AWS::Scheduler::Schedule, built from the stack's resources as Scheduler
 * forms it (arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>): the schedule's
 * physical ID is its name, and `group`, the logical ID of the AWS::Scheduler::ScheduleGroup it is
 * in, gives the group's; without one, the schedule is in the default group. No GetAtt needed.
 */
export async function scheduleArn(cloudformation: CloudFormationClient, stackName: string, schedule: string, group?: string): Promise<string> {
  const { StackResources = [] } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const nameOf = (logicalId: string, type: string) => {
    const resource = StackResources.find((r) => r.LogicalResourceId === logicalId);
    if (resource?.ResourceType !== type || !resource.PhysicalResourceId) throw new Error(`Stack ${stackName} has no ${type} ${logicalId}`);
    return resource.PhysicalResourceId;
  };
  const name = nameOf(schedule, 'AWS::Scheduler::Schedule');
  const groupName = group === undefined ? 'default' : nameOf(group, 'AWS::Scheduler::ScheduleGroup');
  const [, partition, , region, account] = StackResources[0].StackId!.split(':');
  return `arn:${partition}:scheduler:${region}:${account}:schedule/${groupName}/${name}`;
}

/** What the invocation of a fired schedule's function ended with. */
export type FiredSchedule = { result: unknown } | { error: { errorType: string; errorMessage: string } };

/**
 * Fires the schedule as EventBridge Scheduler does at `scheduledTime` (2027-03-28T07:30:00Z): its
 * target function gets the target's Input with the context attributes filled in. Unlike Scheduler,
 * which invokes the function asynchronously, this resolves once the function has ended, with its
 * result or error (moto_extension/scheduler.py). Whether Scheduler would fire at that time is
 * scheduleTimes' to say (scheduler-times.ts). Rejects when the emulator refuses (no such schedule,
 * a disabled one, an unsupported target).
 */
export async function fireSchedule(aws: Pick<LocalAws, 'emulator'>, scheduleArn: string, scheduledTime: string): Promise<FiredSchedule> {
  const body = JSON.stringify({ scheduleArn, scheduledTime });
  // node:http rather than fetch, whose 300 s wait for an answer's headers a long function would exceed.
  const answer = await new Promise<HttpResult>((resolve, reject) => {
    request(`${aws.emulator.endpoint}/moto-api/scheduler/fire`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    })
      .on('error', reject)
      .end(body);
  });
  if (answer.status !== 200) throw new Error(`The emulator did not fire ${scheduleArn} at ${scheduledTime}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body) as FiredSchedule;
}

export interface LocalAwsOptions {
  /** How long the emulator takes for a distribution's deployment and a rollback monitoring period (see EmulatorTiming). */
  timing?: EmulatorTiming;
  /**
   * Where the emulator comes from, given the "API stage" stand-in's URL and the Node that runs the
   * functions: by default a new one (startEmulator) with `timing`; the tests borrow a running
   * one (test/support/emulator-broker.ts), whose stop() leaves it running for the next file.
   */
  emulator?: (executeApiUrl: string, node: string) => Promise<Emulator>;
}

export async function startLocalAws({ timing, emulator: startServer = (executeApiUrl, node) => startEmulator({ executeApiUrl, node, timing }) }: LocalAwsOptions = {}): Promise<LocalAws> {
  // The functions' inline code runs on Node 24, the Lambda runtime's major version. Looked up
  // before anything starts, so that a missing Node 24 leaves no stand-in running.
  const node = node24();
  // The "API stage" first: the emulator sends the requests of the functions it runs there.
  const apiStage = await startApiStageStandIn(() => emulator.endpoint, demoPets());
  const standIns: StandIn[] = [apiStage];
  let closed: Promise<unknown> | undefined;
  const closeStandIns = () => (closed ??= Promise.all(standIns.map((standIn) => standIn.close())));
  const emulator = await startServer(apiStage.url, node).catch(async (error) => {
    await closeStandIns();
    throw error;
  });
  // An emulator that dies takes the stand-ins in front of it along (the launcher has killed its
  // function runners and said so); stop() then has nothing left to close.
  void emulator.unexpectedExit.then(closeStandIns);
  const clients = localClients(emulator.endpoint);
  const edges = new Map<string, StandIn>();
  const edgeOf = async (distributionId: string, cloudfront: CloudFrontClient) => {
    if (!edges.has(distributionId)) {
      const edge = await startCloudFrontStandIn(cloudfront, distributionId, apiStage.url);
      edges.set(distributionId, edge);
      standIns.push(edge);
    }
    return edges.get(distributionId)!;
  };
  return {
    ...clients,
    emulator,
    apiStage,
    async cloudFrontFor(stackName, where = clients) {
      return edgeOf(await stackOutput(where.cloudformation, stackName, 'DistributionId'), where.cloudfront);
    },
    async edge(url) {
      const { host, pathname, search } = new URL(url);
      const { DistributionList } = await clients.cloudfront.send(new ListDistributionsCommand({}));
      const distribution = DistributionList?.Items?.find((d) => d.DomainName === host);
      // No such distribution: as on the internet, nothing answers.
      if (!distribution) return 0;
      return (await get(`${(await edgeOf(distribution.Id!, clients.cloudfront)).url}${pathname}${search}`)).status;
    },
    async stop() {
      await closeStandIns();
      await emulator.stop();
    },
  };
}

export interface HttpResult {
  status: number;
  body: string;
}

export interface Notice {
  Subject: string;
  Message: string;
}

/**
 * Subscribes a new SQS queue to the topic, as a person's email would be, and returns a reader of
 * the notices that arrive there.
 */
export async function noticeQueue(aws: LocalAws, topicArn: string, name: string): Promise<() => Promise<Notice[]>> {
  const config = emulatorClientConfig(aws.emulator.endpoint);
  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await new SNSClient(config).send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  return async () => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    // SNS delivers its JSON envelope, which holds Subject and Message.
    return Messages.map((message) => JSON.parse(message.Body!) as Notice);
  };
}

/**
 * GET for code that calls the stack's public URLs (the verifier): the CloudFront URL goes to the
 * "CloudFront" stand-in, the API stage URL to the "API stage" stand-in with the API's Host.
 */
export async function stackGet(aws: LocalAws, stackName: string): Promise<(url: string) => Promise<HttpResult>> {
  const edge = new URL(await stackOutput(aws.cloudformation, stackName, 'DistributionURL'));
  const stage = new URL(await stackOutput(aws.cloudformation, stackName, 'ApiStageURL'));
  const edgeUrl = (await aws.cloudFrontFor(stackName)).url;
  return (url) => {
    const target = new URL(url);
    if (target.host === edge.host) return get(`${edgeUrl}${target.pathname}${target.search}`);
    if (target.host === stage.host) return get(`${aws.apiStage.url}${target.pathname}${target.search}`, { host: stage.host });
    return Promise.reject(new Error(`${url} is neither this stack's CloudFront URL nor its API stage`));
  };
}

/** A GET request. node:http rather than fetch, which may not set Host: the stage stand-in reads
 * the API's ID from it, as API Gateway serves each API on its own domain. */
export function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

export interface TrafficCount {
  sent: number;
  /** Requests answered anything but 200. */
  refused: number;
  /** What the refused requests were answered, by status and body (0: no answer). */
  refusals: Record<string, number>;
}

export interface Traffic {
  stop(): Promise<TrafficCount>;
}

// Bounds that stop the traffic by itself, should a caller never stop it.
const TRAFFIC_MAX_REQUESTS = 50_000;
const TRAFFIC_MAX_MS = 10 * 60_000;

/**
 * Requests GET `path` through the stack's "CloudFront" stand-in one after another, every
 * `pauseMs`, until stopped: what a client sees during a rotation.
 */
export async function steadyTraffic(aws: LocalAws, stackName: string, path = '/pets', pauseMs = 10): Promise<Traffic> {
  const edge = await aws.cloudFrontFor(stackName);
  const count: TrafficCount = { sent: 0, refused: 0, refusals: {} };
  const until = Date.now() + TRAFFIC_MAX_MS;
  let running = true;
  const loop = (async () => {
    while (running && count.sent < TRAFFIC_MAX_REQUESTS && Date.now() < until) {
      const { status, body } = await get(`${edge.url}${path}`).catch((error: Error) => ({ status: 0, body: error.message }));
      count.sent += 1;
      if (status !== 200) {
        count.refused += 1;
        count.refusals[`${status} ${body}`] = (count.refusals[`${status} ${body}`] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return count;
    },
  };
}
