// The stack's template as deploy passes it to CloudFormation: uploaded to the template bucket
// (template-bucket.ts), and named by its URL. TemplateBody takes 51,200 bytes and the template is
// close to that; a TemplateURL's object may be 1 MB (template-limits.ts). CloudFormation reads the
// object with the caller's credentials, not the stack's service role: "an S3 bucket that you have
// read permissions to and that is located in the same region as the stack" (CloudFormation User
// Guide, "Selecting a stack template").
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Output } from './output';
import { TEMPLATE_PREFIX, deniedAs, templateBucket } from './template-bucket';
import { packageVersion } from './version';

export interface TemplateUploadDependencies {
  s3: S3Client;
  sts: STSClient;
  output: Output;
}

/**
 * Content-addressed, so that uploading the same template again writes the same object, and an
 * object, once written, never holds another template.
 */
export function templateKey(body: string, version: string): string {
  return `${TEMPLATE_PREFIX}${version}/${createHash('sha256').update(body).digest('hex')}.yaml`;
}

/**
 * The object's virtual-hosted-style URL with the bucket's Region,
 * https://<bucket>.s3.<region>.amazonaws.com/<key> (S3 User Guide, "Virtual hosting of general
 * purpose buckets"), as the SDK's own endpoint rules give it for the Region's partition; a
 * TemplateURL must start with https:// (API reference, CreateStack). The same on the emulator:
 * moto's CloudFormation reads a TemplateURL from its own S3, taking the bucket from the host name
 * (moto/cloudformation/utils.py, get_stack_from_s3_url), so the emulator's own address
 * (http://127.0.0.1:<port>/<bucket>/<key>) would name a bucket "127".
 */
export function templateUrl(s3: S3Client, bucket: string, region: string, key: string): string {
  const { url } = s3.config.endpointProvider({ Bucket: bucket, Region: region });
  return new URL(key, url).href;
}

/** Uploads the template to `bucket` (--template-bucket) or deploy's own, and returns its TemplateURL. */
export async function uploadTemplate(body: string, region: string, bucket: string | undefined, { s3, sts, output }: TemplateUploadDependencies): Promise<string> {
  const { Account: account = '' } = await sts.send(new GetCallerIdentityCommand({}));
  const name = await templateBucket({ s3, account, region, given: bucket, output });
  const key = templateKey(body, packageVersion());
  await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body, ExpectedBucketOwner: account })).catch(deniedAs(name, 's3:PutObject'));
  return templateUrl(s3, name, region, key);
}
