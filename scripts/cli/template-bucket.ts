// The S3 bucket that deploy puts the stack's template in, to pass it by TemplateURL: the bucket
// given with --template-bucket, or deploy's own, one per account and Region, created on first use.
//
// A bucket name is global, so another account may hold deploy's own name first (bucket
// squatting) and read or replace what deploy writes there. So every call on the bucket names the
// caller's account as its expected owner: S3 refuses it with 403 Access Denied when the bucket is
// another account's (S3 User Guide, "Verifying bucket ownership with bucket owner condition").
// CreateBucket takes no such condition (same page, "Restrictions and limitations"), but its
// BucketAlreadyExists says that another account holds the name (S3 API reference, CreateBucket).
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TemplateBucketAccessDeniedError, TemplateBucketOwnedElsewhereError, TemplateBucketRegionError, UsageError } from './errors';
import type { Output } from './output';

/** Uploaded templates live under this prefix, which the created bucket's lifecycle rule expires. */
export const TEMPLATE_PREFIX = 'templates/';

/**
 * CloudFormation keeps a stack's template itself once the call returns (GetTemplate returns it,
 * for a deleted stack for 90 days; a StackSet's is DescribeStackSet's TemplateBody), so an upload
 * is read only during the call. A week keeps a recent deploy's upload at hand for a look at what
 * it sent, and the bucket small; uploading the same template again restarts its week (expiry
 * counts from the object's creation: S3 User Guide, "Lifecycle configuration elements").
 */
const TEMPLATE_EXPIRY_DAYS = 7;

function ownBucketName(account: string, region: string): string {
  return `cloudfront-api-key-rotation-${account}-${region}`;
}

export interface TemplateBucketRequest {
  s3: S3Client;
  /** The caller's account: the bucket's expected owner. */
  account: string;
  /** The stack's Region: CloudFormation reads a TemplateURL only from a bucket there. */
  region: string;
  /** --template-bucket, used as it is and never created. */
  given?: string;
  output: Output;
}

/** The bucket to upload to, checked to be the account's and in the stack's Region; deploy's own is created when absent. */
export async function templateBucket({ s3, account, region, given, output }: TemplateBucketRequest): Promise<string> {
  const bucket = given ?? ownBucketName(account, region);
  const head = await headBucket(s3, bucket, account);
  // Only an answer that let the caller in, or redirected it, says where the caller's bucket is.
  if ((head.status === 200 || head.status === 301) && head.region !== undefined && head.region !== region) {
    throw new TemplateBucketRegionError(bucket, head.region, region);
  }
  if (head.status === 200) return bucket;
  if (given) {
    if (head.status === 403) throw new TemplateBucketAccessDeniedError(bucket, 's3:ListBucket', true, { cause: head.error });
    if (head.status === 404) throw new UsageError(`--template-bucket "${bucket}" does not exist: create it in ${region}, or leave --template-bucket out for deploy's own bucket.`, 'deploy');
    throw head.error;
  }
  if (head.status !== 403 && head.status !== 404) throw head.error;
  // Deploy's own bucket is absent, or refused: HeadBucket's 403 is the same for another account's
  // bucket and for a caller without s3:ListBucket on its own, and CreateBucket tells them apart.
  const outcome = await createBucket(s3, bucket, account, region).catch((error) => {
    if (!isDenied(error)) throw error;
    throw head.status === 403
      ? new TemplateBucketAccessDeniedError(bucket, 's3:ListBucket', true, { cause: head.error })
      : new TemplateBucketAccessDeniedError(bucket, 's3:CreateBucket and s3:PutBucketOwnershipControls', false, { cause: error });
  });
  if (outcome === 'ours' && head.status === 403) throw new TemplateBucketAccessDeniedError(bucket, 's3:ListBucket', false, { cause: head.error });
  // 'ours' after a 404: another deploy created it a moment ago, with the same settings.
  await configure(s3, bucket, account);
  if (outcome === 'created') output.line(`Created S3 bucket ${bucket} for the templates deploy passes to CloudFormation (each expires after ${TEMPLATE_EXPIRY_DAYS} days).`);
  return bucket;
}

/** An S3 error that denied the call, as the IAM action it needed. */
export function deniedAs(bucket: string, action: string) {
  return (error: unknown) => Promise.reject(isDenied(error) ? new TemplateBucketAccessDeniedError(bucket, action, false, { cause: error }) : error);
}

const isDenied = (error: unknown) => (error as Error)?.name === 'AccessDenied';

interface SdkAnswer {
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * HeadBucket answers 200, or 301 (a bucket in another Region), 400, 403 or 404 without a body, so
 * its status is all it says; its x-amz-bucket-region header names the bucket's Region whatever
 * the caller's permissions (S3 API reference, HeadBucket).
 */
async function headBucket(s3: S3Client, bucket: string, account: string): Promise<{ status: number; region?: string; error?: unknown }> {
  try {
    const { BucketRegion } = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    return { status: 200, region: BucketRegion };
  } catch (error) {
    const { $metadata, $response } = error as SdkAnswer;
    if ($metadata?.httpStatusCode === undefined) throw error;
    return { status: $metadata.httpStatusCode, region: $response?.headers?.['x-amz-bucket-region'], error };
  }
}

/**
 * 'ours': the caller holds the name already (BucketAlreadyOwnedByYou; in us-east-1 S3 answers the
 * caller's own bucket with a 200 instead, which reads as 'created' and changes nothing).
 */
async function createBucket(s3: S3Client, bucket: string, account: string, region: string): Promise<'created' | 'ours'> {
  try {
    await s3.send(new CreateBucketCommand({
      Bucket: bucket,
      // ACLs off: the bucket owner owns every object, whoever wrote it.
      ObjectOwnership: 'BucketOwnerEnforced',
      // us-east-1 takes no LocationConstraint: a bucket without one is created there.
      ...(region !== 'us-east-1' && { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }));
    return 'created';
  } catch (error) {
    const { name } = error as Error;
    if (name === 'BucketAlreadyExists') throw new TemplateBucketOwnedElsewhereError(bucket, account, { cause: error });
    if (name === 'BucketAlreadyOwnedByYou') return 'ours';
    throw error;
  }
}

/**
 * S3 blocks public access and encrypts with SSE-S3 on every new bucket by default (since 2023);
 * set here all the same, so that the bucket says so itself. SSE-S3 rather than SSE-KMS:
 * CloudFormation reads the template with the caller's credentials, which SSE-S3 asks nothing more
 * of, while SSE-KMS would need kms:Decrypt for every operator; and the template holds no secret
 * (the key's value is a Secrets Manager dynamic reference).
 */
async function configure(s3: S3Client, bucket: string, account: string): Promise<void> {
  const owned = { Bucket: bucket, ExpectedBucketOwner: account };
  await s3.send(new PutPublicAccessBlockCommand({
    ...owned,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  })).catch(deniedAs(bucket, 's3:PutBucketPublicAccessBlock'));
  await s3.send(new PutBucketEncryptionCommand({
    ...owned,
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
  })).catch(deniedAs(bucket, 's3:PutEncryptionConfiguration'));
  await s3.send(new PutBucketLifecycleConfigurationCommand({
    ...owned,
    LifecycleConfiguration: { Rules: [{ ID: 'expire-uploaded-templates', Status: 'Enabled', Filter: { Prefix: TEMPLATE_PREFIX }, Expiration: { Days: TEMPLATE_EXPIRY_DAYS } }] },
  })).catch(deniedAs(bucket, 's3:PutLifecycleConfiguration'));
}
