import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadBucketCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TemplateBucketAccessDeniedError, TemplateBucketOwnedElsewhereError, TemplateBucketRegionError, UsageError } from '../../scripts/cli/errors';
import { templateBucket } from '../../scripts/cli/template-bucket';
import { recordingOutput } from './cli.fixtures';

const s3 = mockClient(S3Client);
const ACCOUNT = '123456789012';
const OWN = `cloudfront-api-key-rotation-${ACCOUNT}-eu-west-1`;
const SETTINGS = [PutPublicAccessBlockCommand, PutBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand] as const;

// HeadBucket's errors carry their status alone, as the SDK reads a body-less answer.
const headError = (httpStatusCode: number, headers: Record<string, string> = {}) =>
  Object.assign(new S3ServiceException({ name: 'Unknown', $fault: 'client', $metadata: { httpStatusCode }, message: 'UnknownError' }), { $response: { statusCode: httpStatusCode, headers } });
const accessDenied = () => new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
const notFound = () => new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'UnknownError' });

let output: ReturnType<typeof recordingOutput>;
const find = (given?: string, region = 'eu-west-1') => templateBucket({ s3: new S3Client({ region }), account: ACCOUNT, region, given, output });
const settingCalls = () => [s3.commandCalls(SETTINGS[0]), s3.commandCalls(SETTINGS[1]), s3.commandCalls(SETTINGS[2])].flat();

beforeEach(() => {
  s3.reset();
  s3.onAnyCommand().resolves({});
  output = recordingOutput();
});

describe('templateBucket, its own bucket', () => {
  it('creates it when absent: ACLs disabled, public access blocked, SSE-S3, uploads expiring after 7 days, every setting for the account only', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());

    await expect(find()).resolves.toBe(OWN);

    expect(s3.commandCalls(HeadBucketCommand)[0].args[0].input).toEqual({ Bucket: OWN, ExpectedBucketOwner: ACCOUNT });
    expect(s3.commandCalls(CreateBucketCommand)[0].args[0].input).toEqual({
      Bucket: OWN, ObjectOwnership: 'BucketOwnerEnforced', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0].args[0].input).toEqual({
      Bucket: OWN, ExpectedBucketOwner: ACCOUNT,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0].args[0].input).toEqual({
      Bucket: OWN, ExpectedBucketOwner: ACCOUNT,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0].args[0].input).toEqual({
      Bucket: OWN, ExpectedBucketOwner: ACCOUNT,
      LifecycleConfiguration: { Rules: [{ ID: 'expire-uploaded-templates', Status: 'Enabled', Filter: { Prefix: 'templates/' }, Expiration: { Days: 7 } }] },
    });
    expect(output.lines).toEqual([`Created S3 bucket ${OWN} for the templates deploy passes to CloudFormation (each expires after 7 days).`]);
  });

  it('creates it in us-east-1 without a LocationConstraint, which S3 takes only for other Regions', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());

    await find(undefined, 'us-east-1');

    expect(s3.commandCalls(CreateBucketCommand)[0].args[0].input).toEqual({ Bucket: `cloudfront-api-key-rotation-${ACCOUNT}-us-east-1`, ObjectOwnership: 'BucketOwnerEnforced' });
  });

  it('reuses it once it exists, changing nothing', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-west-1' });

    await expect(find()).resolves.toBe(OWN);

    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(settingCalls()).toHaveLength(0);
    expect(output.lines).toEqual([]);
  });

  it('sets it up all the same when another deploy created it a moment ago', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ $metadata: { httpStatusCode: 409 }, message: 'Your previous request to create the named bucket succeeded and you already own it.' }));

    await expect(find()).resolves.toBe(OWN);

    expect(settingCalls()).toHaveLength(3);
    expect(output.lines).toEqual([]);
  });

  it('refuses a bucket of its name that another account owns, naming --template-bucket, and writes nothing to it', async () => {
    s3.on(HeadBucketCommand).rejects(headError(403));
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyExists({ $metadata: { httpStatusCode: 409 }, message: 'The requested bucket name is not available.' }));

    const found = find();

    await expect(found).rejects.toBeInstanceOf(TemplateBucketOwnedElsewhereError);
    await expect(found).rejects.toThrow(`The S3 bucket name "${OWN}", which deploy uses for the templates of account ${ACCOUNT}, belongs to another AWS account`);
    await expect(found).rejects.toThrow('pass --template-bucket with a bucket of account 123456789012 in this Region.');
    expect(settingCalls()).toHaveLength(0);
  });

  it('tells a missing s3:ListBucket on its own bucket from another owner', async () => {
    s3.on(HeadBucketCommand).rejects(headError(403));
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ $metadata: { httpStatusCode: 409 }, message: 'you already own it' }));

    const found = find();

    await expect(found).rejects.toBeInstanceOf(TemplateBucketAccessDeniedError);
    await expect(found).rejects.toThrow(`S3 denied s3:ListBucket on bucket "${OWN}" to these credentials. Nothing changed in CloudFormation; grant s3:ListBucket on that bucket`);
  });

  it('says both when S3 refuses to say whose it is', async () => {
    s3.on(HeadBucketCommand).rejects(headError(403));
    s3.on(CreateBucketCommand).rejects(accessDenied());

    await expect(find()).rejects.toThrow(`S3 denied s3:ListBucket on bucket "${OWN}" to these credentials, or the bucket is not of this account (S3 answers both alike).`);
  });

  it('names the permissions that creating it takes when S3 denies them', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(accessDenied());

    await expect(find()).rejects.toThrow('S3 denied s3:CreateBucket and s3:PutBucketOwnershipControls on bucket');
  });

  it('names the setting S3 denies', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(PutBucketLifecycleConfigurationCommand).rejects(accessDenied());

    await expect(find()).rejects.toThrow('S3 denied s3:PutLifecycleConfiguration on bucket');
  });
});

describe('templateBucket, --template-bucket', () => {
  it('uses the bucket as it is: never creates or changes it', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-west-1' });

    await expect(find('ops-templates')).resolves.toBe('ops-templates');

    expect(s3.commandCalls(HeadBucketCommand)[0].args[0].input).toEqual({ Bucket: 'ops-templates', ExpectedBucketOwner: ACCOUNT });
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(settingCalls()).toHaveLength(0);
  });

  it('refuses one that does not exist, without creating it', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());

    const found = find('ops-templates');

    await expect(found).rejects.toBeInstanceOf(UsageError);
    await expect(found).rejects.toThrow('--template-bucket "ops-templates" does not exist: create it in eu-west-1');
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it('refuses one that S3 refuses, which may be another account\'s', async () => {
    s3.on(HeadBucketCommand).rejects(headError(403));

    const found = find('ops-templates');

    await expect(found).rejects.toBeInstanceOf(TemplateBucketAccessDeniedError);
    await expect(found).rejects.toThrow('S3 denied s3:ListBucket on bucket "ops-templates" to these credentials, or the bucket is not of this account');
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });
});

describe('templateBucket, in another Region than the stack', () => {
  it.each([
    ['that answers', () => s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-west-2' })],
    ['that redirects (301)', () => s3.on(HeadBucketCommand).rejects(headError(301, { 'x-amz-bucket-region': 'us-west-2' }))],
  ])('refuses a bucket %s, since CloudFormation reads templates only in the stack\'s Region', async (_case, answer) => {
    answer();

    const found = find('ops-templates');

    await expect(found).rejects.toBeInstanceOf(TemplateBucketRegionError);
    await expect(found).rejects.toThrow('The template bucket "ops-templates" is in us-west-2, but CloudFormation reads a template only from a bucket in the stack\'s Region, eu-west-1.');
  });
});
