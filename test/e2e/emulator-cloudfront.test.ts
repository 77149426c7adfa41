// The emulator for a stack that manages the origin header of a distribution made outside it:
// CloudFront's distribution API (moto_extension/cloudfront.py: the configuration kept whole,
// IfMatch, InProgress until deployed), a custom resource answered by a later invocation of its
// function (custom_resources.py, functions.py), and the "CloudFront" stand-in's routing by path
// (stand-ins.ts).
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  type DistributionConfig,
  type Method,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../scripts/emulator/launch';
import { emulatorWaiter, get, stackOutput } from '../../scripts/emulator/local-stack';
import { type StandIn, matchesPathPattern, startCloudFrontStandIn } from '../../scripts/emulator/stand-ins';
import { node24 } from '../../scripts/node24';
import { withOriginHeaders } from '../distribution.fixtures';

jest.setTimeout(60_000);

const DEPLOYMENT_SECONDS = 1;
const API_DOMAIN = 'abc123.execute-api.us-east-1.amazonaws.com';

let emulator: Emulator;
let cloudfront: CloudFrontClient;
let cloudformation: CloudFormationClient;

beforeAll(async () => {
  emulator = await startEmulator({ node: node24(), timing: { deploymentSeconds: DEPLOYMENT_SECONDS } });
  cloudfront = new CloudFrontClient(emulatorClientConfig(emulator.endpoint));
  cloudformation = new CloudFormationClient(emulatorClientConfig(emulator.endpoint));
});

afterAll(async () => emulator?.stop());

const listed = <T>(items: T[]) => ({ Quantity: items.length, Items: items });
const methods = (items: Method[], cached: Method[] = ['HEAD', 'GET']) => ({ ...listed(items), CachedMethods: listed(cached) });

/** A cache behaviour with every field GetDistributionConfig returns, `fields` over the defaults. */
const behaviour = <T extends { TargetOriginId: string }>(fields: T) => ({
  TrustedSigners: { Enabled: false, Quantity: 0 },
  TrustedKeyGroups: { Enabled: false, Quantity: 0 },
  ViewerProtocolPolicy: 'redirect-to-https' as const,
  AllowedMethods: methods(['HEAD', 'GET']),
  SmoothStreaming: false,
  Compress: true,
  LambdaFunctionAssociations: { Quantity: 0 },
  FunctionAssociations: { Quantity: 0 },
  FieldLevelEncryptionId: '',
  GrpcConfig: { Enabled: false },
  ...fields,
});

/**
 * A team's distribution as GetDistributionConfig shows one, every field filled in: the API stage
 * by default, an S3 bucket under /assets/*, a legacy service with headers of its own under
 * /legacy/*.json, CloudFront Functions and a Lambda@Edge function on the way.
 */
function teamDistribution(CallerReference: string) {
  return {
    CallerReference,
    Aliases: { Quantity: 0 },
    DefaultRootObject: '',
    Origins: listed([
      {
        Id: 'api', DomainName: API_DOMAIN, OriginPath: '/prod', CustomHeaders: { Quantity: 0 },
        CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' as const, OriginSslProtocols: listed(['TLSv1.2' as const]), OriginReadTimeout: 30, OriginKeepaliveTimeout: 5, IpAddressType: 'ipv4' as const },
        ConnectionAttempts: 3, ConnectionTimeout: 10, OriginShield: { Enabled: false }, OriginAccessControlId: '',
      },
      {
        Id: 'assets', DomainName: 'team-assets.s3.us-east-1.amazonaws.com', OriginPath: '', CustomHeaders: { Quantity: 0 },
        S3OriginConfig: { OriginAccessIdentity: '', OriginReadTimeout: 30 },
        ConnectionAttempts: 3, ConnectionTimeout: 10, OriginShield: { Enabled: false }, OriginAccessControlId: 'E2QWRUHAPOMQZL',
      },
      {
        Id: 'legacy', DomainName: 'legacy.example.com', OriginPath: '/v1',
        CustomHeaders: listed([{ HeaderName: 'X-Origin-Verify', HeaderValue: 'legacy-secret' }, { HeaderName: 'X-Team', HeaderValue: 'edge' }]),
        CustomOriginConfig: { HTTPPort: 8080, HTTPSPort: 8443, OriginProtocolPolicy: 'match-viewer' as const, OriginSslProtocols: listed(['TLSv1.1' as const, 'TLSv1.2' as const]), OriginReadTimeout: 60, OriginKeepaliveTimeout: 10 },
        ConnectionAttempts: 2, ConnectionTimeout: 5, OriginShield: { Enabled: true, OriginShieldRegion: 'us-east-1' }, OriginAccessControlId: '',
      },
    ]),
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: behaviour({
      TargetOriginId: 'api',
      AllowedMethods: methods(['HEAD', 'DELETE', 'POST', 'GET', 'OPTIONS', 'PUT', 'PATCH']),
      Compress: false,
      FunctionAssociations: listed([{ FunctionARN: 'arn:aws:cloudfront::123456789012:function/security-headers', EventType: 'viewer-response' as const }]),
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    }),
    CacheBehaviors: listed([
      behaviour({
        PathPattern: '/assets/*', TargetOriginId: 'assets',
        FunctionAssociations: listed([{ FunctionARN: 'arn:aws:cloudfront::123456789012:function/rewrite-index', EventType: 'viewer-request' as const }]),
        CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03',
      }),
      behaviour({
        PathPattern: '/legacy/*.json', TargetOriginId: 'legacy', ViewerProtocolPolicy: 'https-only' as const,
        LambdaFunctionAssociations: listed([{ LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:legacy-auth:7', EventType: 'origin-request' as const, IncludeBody: false }]),
        ForwardedValues: { QueryString: true, Cookies: { Forward: 'whitelist' as const, WhitelistedNames: listed(['session']) }, Headers: listed(['Accept']), QueryStringCacheKeys: listed(['page']) },
        MinTTL: 0, DefaultTTL: 60, MaxTTL: 300,
      }),
    ]),
    CustomErrorResponses: listed([{ ErrorCode: 404, ResponsePagePath: '/assets/404.html', ResponseCode: '404', ErrorCachingMinTTL: 10 }]),
    Comment: 'Team edge: the API, the assets bucket and the legacy service',
    Logging: { Enabled: false, IncludeCookies: false, Bucket: '', Prefix: '' },
    PriceClass: 'PriceClass_100' as const,
    Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true, SSLSupportMethod: 'vip' as const, MinimumProtocolVersion: 'TLSv1' as const, CertificateSource: 'cloudfront' as const },
    Restrictions: { GeoRestriction: { RestrictionType: 'blacklist' as const, ...listed(['KP', 'IR']) } },
    WebACLId: '',
    HttpVersion: 'http2and3' as const,
    IsIPV6Enabled: true,
    Staging: false,
  } satisfies DistributionConfig;
}

let distributions = 0;
/** A new team distribution, made with the API, and its ETag. */
async function createTeamDistribution() {
  distributions += 1;
  const config = teamDistribution(`team-edge-${distributions}`);
  const { Distribution, ETag } = await cloudfront.send(new CreateDistributionCommand({ DistributionConfig: config }));
  return { id: Distribution!.Id!, etag: ETag!, config };
}

const configOf = async (Id: string) => (await cloudfront.send(new GetDistributionConfigCommand({ Id }))).DistributionConfig;
const statusOf = async (Id: string) => (await cloudfront.send(new GetDistributionCommand({ Id }))).Distribution!.Status;
const summaryStatusOf = async (Id: string) => (await cloudfront.send(new ListDistributionsCommand({}))).DistributionList!.Items!.find((d) => d.Id === Id)!.Status;
const API_KEY_HEADER = [{ HeaderName: 'x-api-key', HeaderValue: 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P' }];

describe('a distribution made with the CloudFront API, outside any stack', () => {
  it.each([
    ['GetDistributionConfig', configOf],
    ['GetDistribution', async (Id: string) => (await cloudfront.send(new GetDistributionCommand({ Id }))).Distribution!.DistributionConfig],
  ])('%s returns its whole configuration as it was created', async (_, read) => {
    const { id, config } = await createTeamDistribution();

    const returned = await read(id);

    expect(returned).toEqual(config);
  });

  it("keeps every other part of the configuration when an update changes one origin's custom headers, and answers a new ETag", async () => {
    const { id, etag } = await createTeamDistribution();
    const { DistributionConfig: before, ETag } = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
    const changed = withOriginHeaders(before!, 'api', API_KEY_HEADER);

    const updated = await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: ETag, DistributionConfig: changed }));

    expect(ETag).toBe(etag);
    expect(updated.ETag).not.toBe(etag);
    expect(await configOf(id)).toEqual(changed);
  });

  it.each([
    ['an ETag from before the last update', 'stale' as const, 'PreconditionFailed', 412],
    ['no IfMatch', 'none' as const, 'InvalidIfMatchVersion', 400],
  ])('refuses an update with %s, changing nothing', async (_, ifMatch, name, httpStatusCode) => {
    const { id, etag, config } = await createTeamDistribution();
    const first = withOriginHeaders(config, 'api', API_KEY_HEADER);
    await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: first }));

    const refused = cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: ifMatch === 'stale' ? etag : undefined, DistributionConfig: withOriginHeaders(config, 'api', []) }));

    await expect(refused).rejects.toMatchObject({ name, $metadata: { httpStatusCode } });
    expect(await configOf(id)).toEqual(first);
  });
});

describe('the status of a distribution changed through the API', () => {
  // Each makes its change, and answers when it began.
  it.each([
    ['CreateDistribution', async () => {
      const began = Date.now();
      return { began, id: (await createTeamDistribution()).id };
    }],
    ['UpdateDistribution', async () => {
      const { id, etag, config } = await createTeamDistribution();
      await until(() => statusOf(id), (status) => status === 'Deployed');
      const began = Date.now();
      await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: withOriginHeaders(config, 'api', API_KEY_HEADER) }));
      return { began, id };
    }],
  ])('reads InProgress after %s, in GetDistribution and ListDistributions, then Deployed once its deployment time has passed', async (_, change) => {
    const { began, id } = await change();

    expect([await statusOf(id), await summaryStatusOf(id)]).toEqual(['InProgress', 'InProgress']);
    await until(() => statusOf(id), (status) => status === 'Deployed');
    expect(Date.now() - began).toBeGreaterThanOrEqual(DEPLOYMENT_SECONDS * 1000);
    expect(await summaryStatusOf(id)).toBe('Deployed');
  });

  it('leaves a stack\'s distribution as it was: Deployed once the stack is CREATE_COMPLETE', async () => {
    const template = {
      Resources: {
        Edge: {
          Type: 'AWS::CloudFront::Distribution',
          Properties: {
            DistributionConfig: {
              Enabled: true,
              Origins: [{ Id: 'api', DomainName: API_DOMAIN, OriginPath: '/prod', CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } }],
              DefaultCacheBehavior: { TargetOriginId: 'api', ViewerProtocolPolicy: 'https-only' },
            },
          },
        },
      },
      Outputs: { DistributionId: { Value: { Ref: 'Edge' } } },
    };
    await cloudformation.send(new CreateStackCommand({ StackName: 'stack-edge', TemplateBody: JSON.stringify(template) }));

    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName: 'stack-edge' });

    expect(await statusOf(await stackOutput(cloudformation, 'stack-edge', 'DistributionId'))).toBe('Deployed');
  });
});

/** Polls `read` until `done` holds for what it read, and returns that. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Longer than the emulator's grace after the last invocation ends (custom_resources.py, 2 s): an
// answer this late arrives only if the emulator waits for the invocation that sends it.
const ANSWER_DELAY_MS = 3_000;

/**
 * A custom resource whose function, like one that waits longer than its own 900 s, invokes itself
 * asynchronously with the same request and a Continuation, and returns without answering; the
 * continuation answers SUCCESS (with the ARN it was invoked by) after ANSWER_DELAY_MS, or, when
 * `answers` is false, ends without answering too.
 */
function continuedTemplate(answers: boolean) {
  const code = `
const { InvokeCommand, LambdaClient } = require('@aws-sdk/client-lambda');
exports.handler = async (event, context) => {
  if (!event.Continuation) {
    const Payload = JSON.stringify({ ...event, Continuation: { invokedBy: context.invokedFunctionArn } });
    await new LambdaClient({}).send(new InvokeCommand({ FunctionName: context.invokedFunctionArn, InvocationType: 'Event', Payload }));
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, ${ANSWER_DELAY_MS}));
  console.log('continuation of ' + event.RequestId + ' ends');
  if (!${answers}) return;
  const { StackId, RequestId, LogicalResourceId } = event;
  const answer = { Status: 'SUCCESS', PhysicalResourceId: 'continued', StackId, RequestId, LogicalResourceId, Data: { InvokedBy: event.Continuation.invokedBy } };
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify(answer) });
};`;
  return JSON.stringify({
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      },
      Continued: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 10, Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { ZipFile: code } },
      },
      Custom: { Type: 'AWS::CloudFormation::CustomResource', Properties: { ServiceToken: { 'Fn::GetAtt': ['Continued', 'Arn'] } } },
    },
    Outputs: {
      FunctionArn: { Value: { 'Fn::GetAtt': ['Continued', 'Arn'] } },
      InvokedBy: { Value: { 'Fn::GetAtt': ['Custom', 'InvokedBy'] } },
    },
  });
}

describe('a custom resource whose function goes on in an asynchronous invocation of itself', () => {
  it('is created with the answer the later invocation PUT, seconds after the first ended', async () => {
    await cloudformation.send(new CreateStackCommand({ StackName: 'answered-later', TemplateBody: continuedTemplate(true), Capabilities: ['CAPABILITY_IAM'] }));

    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName: 'answered-later' });

    expect(await stackOutput(cloudformation, 'answered-later', 'InvokedBy')).toBe(await stackOutput(cloudformation, 'answered-later', 'FunctionArn'));
  });

  it("fails with CloudFormation's message when no invocation answers, once none is running", async () => {
    await cloudformation.send(new CreateStackCommand({ StackName: 'never-answered', TemplateBody: continuedTemplate(false), Capabilities: ['CAPABILITY_IAM'] }));

    const stack = await until(async () => (await cloudformation.send(new DescribeStacksCommand({ StackName: 'never-answered' }))).Stacks![0], (s) => !s.StackStatus!.endsWith('_IN_PROGRESS'));

    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const { StackEvents = [] } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: 'never-answered' }));
    const failed = StackEvents.find((e) => e.LogicalResourceId === 'Custom' && e.ResourceStatus === 'CREATE_FAILED');
    const [, requestId] = /^CloudFormation did not receive a response from your Custom Resource\. Please check your logs for requestId \[([0-9a-f-]{36})\]\.$/.exec(failed?.ResourceStatusReason ?? '') ?? [];
    expect(requestId).toEqual(expect.any(String));
    // The emulator waited for the continuation, which ended without answering.
    expect(readFileSync(emulator.logFile, 'utf8')).toContain(`continuation of ${requestId} ends`);
  });
});

describe('the "CloudFront" stand-in', () => {
  const DISTRIBUTION_ID = 'EDFDVBD6EXAMPLE';
  // The team distribution with its API key, and one more behaviour after /legacy/*.json: the rest
  // of /legacy/* goes to the API.
  const team = teamDistribution('stand-in');
  const config: DistributionConfig = {
    ...withOriginHeaders(team, 'api', [{ HeaderName: 'x-api-key', HeaderValue: 'edge-key' }]),
    CacheBehaviors: listed([...team.CacheBehaviors.Items, behaviour({ PathPattern: 'legacy/*', TargetOriginId: 'api' })]),
  };
  let origin: Server;
  let edge: StandIn;

  beforeAll(async () => {
    // The API stage: echoes what reached it.
    origin = createServer((req, res) => res.end(JSON.stringify({ url: req.url, host: req.headers.host, apiKey: req.headers['x-api-key'] })));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const fake = new CloudFrontClient({ region: 'us-east-1' });
    mockClient(fake).on(GetDistributionConfigCommand, { Id: DISTRIBUTION_ID }).resolves({ DistributionConfig: config, ETag: 'E1' });
    edge = await startCloudFrontStandIn(fake, DISTRIBUTION_ID, `http://127.0.0.1:${(origin.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await edge?.close();
    await new Promise((resolve) => origin?.close(resolve));
  });

  it.each([
    ['/pets', 'the default behaviour', '/prod/pets'],
    ['/legacy/v1/report', 'the third behaviour, legacy/*', '/prod/legacy/v1/report'],
    ['/Assets/site.css', 'the default behaviour: patterns are case-sensitive', '/prod/Assets/site.css'],
    ['/pets?next=/assets/a.css', 'the default behaviour: the query string is no part of the path', '/prod/pets?next=/assets/a.css'],
  ])('forwards %s by %s to the API stage, with the origin path and its key', async (path, _, url) => {
    const answer = await get(`${edge.url}${path}`, { 'x-api-key': 'from-the-viewer' });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ url, host: API_DOMAIN, apiKey: 'edge-key' });
  });

  it.each([
    ['/assets/css/site.css', 'assets', 'team-assets.s3.us-east-1.amazonaws.com'],
    ['/legacy/report.json', 'legacy', 'legacy.example.com'],
  ])('answers %s, by the first behaviour it matches, 502 naming the origin %s, which nothing serves here', async (path, id, domain) => {
    const answer = await get(`${edge.url}${path}`);

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toEqual({ origin: id, message: expect.stringContaining(`${id} (${domain})`) });
  });

  it.each([
    ['/images/*.jpg', '/images/a/b/logo.jpg', true],
    ['images/*.jpg', '/images/logo.jpg', true],
    ['*.jpg', '/logo.jpg', true],
    ['*.jpg', '/LOGO.JPG', false],
    ['/a??.jpg', '/ant.jpg', true],
    ['/a??.jpg', '/an.jpg', false],
    ['*.doc*', '/files/report.docx', true],
    ['/api/*', '/api', false],
    ['/v1.0/(all)+', '/v1.0/(all)+', true],
    ['/v1.0/*', '/v1x0/pets', false],
  ])('matches the pattern %s with the path %s: %s', (pattern, path, matches) => {
    expect(matchesPathPattern(pattern, path)).toBe(matches);
  });
});
