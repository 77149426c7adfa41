import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { templateKey, templateUrl, uploadTemplate } from '../../scripts/cli/template-url';
import { packageVersion } from '../../scripts/cli/version';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from './cli.fixtures';

const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const { templateBody } = deployTemplates();
const BUCKET = 'cloudfront-api-key-rotation-123456789012-eu-west-1';
const upload = (body = templateBody) => uploadTemplate(body, 'eu-west-1', undefined, { s3: new S3Client({ region: 'eu-west-1' }), sts: new STSClient({ region: 'eu-west-1' }), output: recordingOutput() });

beforeEach(() => {
  s3.reset();
  sts.reset();
  s3.onAnyCommand().resolves({});
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-west-1' });
});

describe('templateKey', () => {
  it('is the version and the SHA-256 of the body: the same template, the same key; another template, another key', () => {
    const sha256 = createHash('sha256').update(templateBody).digest('hex');

    expect(templateKey(templateBody, '0.2.0')).toBe(`templates/0.2.0/${sha256}.yaml`);
    expect(templateKey(`${templateBody}# changed\n`, '0.2.0')).not.toBe(templateKey(templateBody, '0.2.0'));
  });
});

describe('templateUrl', () => {
  it.each([
    ['eu-west-1', `https://${BUCKET}.s3.eu-west-1.amazonaws.com/templates/0.2.0/a.yaml`],
    ['us-east-1', `https://${BUCKET}.s3.us-east-1.amazonaws.com/templates/0.2.0/a.yaml`],
    ['cn-north-1', `https://${BUCKET}.s3.cn-north-1.amazonaws.com.cn/templates/0.2.0/a.yaml`],
  ])('is the virtual-hosted-style https URL with the Region (%s)', (region, url) => {
    expect(templateUrl(new S3Client({ region }), BUCKET, region, 'templates/0.2.0/a.yaml')).toBe(url);
  });

  it("names S3 itself even when the client talks to an emulator: moto's CloudFormation finds the bucket in the host name", () => {
    const emulated = new S3Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' });

    expect(templateUrl(emulated, BUCKET, 'eu-west-1', 'templates/0.2.0/a.yaml')).toBe(`https://${BUCKET}.s3.eu-west-1.amazonaws.com/templates/0.2.0/a.yaml`);
  });
});

describe('uploadTemplate', () => {
  it("puts the body under its content-addressed key, for the caller's account only, and returns the object's URL", async () => {
    const url = await upload();

    const key = templateKey(templateBody, packageVersion());
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: BUCKET, Key: key, Body: templateBody, ExpectedBucketOwner: '123456789012' }]);
    expect(url).toBe(`https://${BUCKET}.s3.eu-west-1.amazonaws.com/${key}`);
  });

  it('is idempotent: the same template again is the same object, at the same URL', async () => {
    const first = await upload();
    const second = await upload();

    const [a, b] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(b).toEqual(a);
    expect(second).toBe(first);
  });
});
