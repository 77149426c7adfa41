// The distribution's options end to end, on the emulator: every combination of domain names (with
// and without an alias record) and access logs deploys, and a stack made from the template before
// these options moves to this one without rotating its key. template-0.1.0.yaml is that template,
// as released.
import { GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorWaiter, stackOutput } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { collectStatus } from '../../scripts/cli/status';
import { carriedTemplate, deployTemplates } from '../../scripts/template';
import { deployStack, keyState } from './e2e.fixtures';

jest.setTimeout(120_000);

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/473e64fd-f30b-4765-81a0-62ad96dd167a';
let aws: LocalAws;
let route53: Route53Client;
let zoneId: string;

beforeAll(async () => {
  aws = await localAws();
  route53 = new Route53Client(emulatorClientConfig(aws.emulator.endpoint));
  const { HostedZone } = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'domain-e2e' }));
  zoneId = HostedZone!.Id!.replace('/hostedzone/', '');
});

afterAll(() => aws?.stop());

describe('the distribution options', () => {
  it.each([
    ['domain names', { DomainNames: 'api.example.com,api2.example.com', CertificateArn: CERTIFICATE }],
    ['domain names and an alias record', { DomainNames: 'edge.example.com', CertificateArn: CERTIFICATE, HostedZoneId: 'ZONE' }],
    ['access logs', { AccessLogBucket: 'edge-logs' }],
    ['all of them', { DomainNames: 'all.example.com', CertificateArn: CERTIFICATE, HostedZoneId: 'ZONE', AccessLogBucket: 'edge-logs' }],
  ])('deploy with %s', async (_, given) => {
    const parameters = Object.fromEntries(Object.entries(given).map(([key, value]) => [key, value === 'ZONE' ? zoneId : value]));
    const stackName = `options-${Object.keys(given).length}-${'AccessLogBucket' in given ? 'logs' : 'nologs'}`;

    await deployStack(aws, stackName, parameters);

    const { DistributionConfig } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: await stackOutput(aws.cloudformation, stackName, 'DistributionId') }));
    const cloudFrontUrl = await stackOutput(aws.cloudformation, stackName, 'CloudFrontURL');
    const distributionUrl = await stackOutput(aws.cloudformation, stackName, 'DistributionURL');
    expect(DistributionConfig?.DefaultCacheBehavior?.ResponseHeadersPolicyId).toBe('67f7725c-6f97-4210-82d7-5512b31e9d03');
    if (parameters.DomainNames) {
      expect(DistributionConfig?.Aliases?.Items).toEqual(parameters.DomainNames.split(','));
      expect(DistributionConfig?.ViewerCertificate).toMatchObject({ ACMCertificateArn: CERTIFICATE, SSLSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2025' });
      expect(cloudFrontUrl).toBe(`https://${parameters.DomainNames.split(',')[0]}`);
    } else {
      expect(cloudFrontUrl).toBe(distributionUrl);
    }
    expect(distributionUrl).toMatch(/^https:\/\/\w+\.cloudfront\.net$/);
    if (parameters.AccessLogBucket) expect(DistributionConfig?.Logging).toMatchObject({ Enabled: true, Bucket: 'edge-logs.s3.amazonaws.com', Prefix: `${stackName}/` });
    if (parameters.HostedZoneId) {
      const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
      // Route 53 answers with the trailing dot, moto without.
      const record = ResourceRecordSets.find((r) => r.Name?.replace(/\.$/, '') === parameters.DomainNames);
      expect(record).toMatchObject({ Type: 'A', AliasTarget: { DNSName: new URL(distributionUrl).host, HostedZoneId: 'Z2FDTNDATAQYW2' } });
    }
  });
});

describe('a stack made from the template before these options', () => {
  it('moves to this template without rotating: no key, secret or usage-plan key changes', async () => {
    const before = readFileSync(join(__dirname, 'fixtures', 'template-0.1.0.yaml'), 'utf8');
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'released', TemplateBody: before, Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }, { ParameterKey: 'KeyGateTimeoutSeconds', ParameterValue: '0' }],
    }));
    await waitUntilStackCreateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'released' });
    const keyBefore = await stackOutput(aws.cloudformation, 'released', 'ApiKeyId');
    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'released' }));
    const kept = (Stacks![0].Parameters ?? []).map(({ ParameterKey }) => ({ ParameterKey, UsePreviousValue: true }));

    await aws.cloudformation.send(new CreateChangeSetCommand({
      StackName: 'released', ChangeSetName: 'to-this-template', ChangeSetType: 'UPDATE', TemplateBody: deployTemplates().templateBody, Parameters: kept, Capabilities: ['CAPABILITY_IAM'],
    }));
    const { Changes = [] } = await aws.cloudformation.send(new DescribeChangeSetCommand({ StackName: 'released', ChangeSetName: 'to-this-template' }));
    await aws.cloudformation.send(new ExecuteChangeSetCommand({ StackName: 'released', ChangeSetName: 'to-this-template' }));
    await waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'released' });

    const changed = Changes.map((c) => c.ResourceChange?.LogicalResourceId);
    expect(changed).toEqual(expect.arrayContaining(['Distribution', 'VerifierFunction']));
    expect(changed).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(ApiKey|ApiKeySecret|UsagePlanKey)$/)]));
    // Only the roles are replaced: they move to the stack's role path (a role's Path is create-only).
    const replaced = Changes.filter((c) => c.ResourceChange?.Replacement === 'True').map((c) => c.ResourceChange?.LogicalResourceId);
    expect(replaced.sort()).toEqual(['KeyGateRole', 'RotationRole', 'VerifierRole']);
    expect(await stackOutput(aws.cloudformation, 'released', 'ApiKeyId')).toBe(keyBefore);
    const { enabled } = await aws.apigateway.send(new GetApiKeyCommand({ apiKey: keyBefore }));
    expect(enabled).toBe(true);
  });
});

describe('upgrading a stack of release 0.1.0 with deploy', () => {
  it('keeps the key, and status shows the outdated release before and the CLI\'s after', async () => {
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'upgraded', TemplateBody: readFileSync(join(__dirname, 'fixtures', 'template-0.1.0.yaml'), 'utf8'), Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }],
    }));
    await waitUntilStackCreateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'upgraded' });
    const carried = carriedTemplate();
    const status = () => collectStatus('upgraded', { ...aws, ...carried, now: () => new Date() });
    const before = await keyState(aws, 'upgraded');
    await expect(status()).resolves.toMatchObject({ release: { stack: null, outdated: true } });

    await deployStack(aws, 'upgraded');

    const after = await keyState(aws, 'upgraded');
    expect([after.keyId, after.secretArn, after.planKeyIds]).toEqual([before.keyId, before.secretArn, before.planKeyIds]);
    expect(after.header === after.keyValue).toBe(true); // compared, never printed
    await expect(status()).resolves.toMatchObject({ healthy: true, release: { stack: carried.release, outdated: false, newer: false } });
  });
});
