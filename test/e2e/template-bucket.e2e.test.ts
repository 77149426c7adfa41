// deploy's template through S3, end to end on the emulator: the command uploads the template to
// its own bucket in the emulator's S3 and CloudFormation (moto) creates the stack from that object;
// a bucket of its name that another account holds is refused before CloudFormation changes. moto
// serves another account to credentials from STS AssumeRole; the project's extension
// (bucket_owner_condition.py) gives its S3 the bucket owner condition that deploy relies on.
import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, GetPublicAccessBlockCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { main as cli } from '../../scripts/cli/main';
import { templateKey } from '../../scripts/cli/template-url';
import { packageVersion } from '../../scripts/cli/version';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorSleep, localClients } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';

jest.setTimeout(120_000);

const ACCOUNT = '123456789012';
let aws: LocalAws;

beforeAll(async () => {
  aws = await localAws();
});

afterAll(async () => aws?.stop());

async function deployIn(region: string, stackName: string) {
  const output = recordingOutput();
  const code = await cli(['deploy', '--stack-name', stackName, '--region', region, '--skip-test-rotation'], {
    output, clients: () => localClients(aws.emulator.endpoint, region), now: () => new Date(), sleep: emulatorSleep,
  });
  return { code, output };
}

describe('deploy through S3 on the emulator', () => {
  it('uploads the template to its own bucket, set up to expire it, and CloudFormation creates the stack from that object', async () => {
    const { code, output } = await deployIn('us-east-1', 'through-s3');

    const bucket = `cloudfront-api-key-rotation-${ACCOUNT}-us-east-1`;
    const s3 = new S3Client(emulatorClientConfig(aws.emulator.endpoint));
    const { templateBody } = deployTemplates();
    expect(code).toBe(0);
    expect(output.lines).toContain(`Created S3 bucket ${bucket} for the templates deploy passes to CloudFormation (each expires after 7 days).`);
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(Contents.map((object) => object.Key)).toEqual([templateKey(templateBody, packageVersion())]);
    const { Rules } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(Rules).toMatchObject([{ Status: 'Enabled', Filter: { Prefix: 'templates/' }, Expiration: { Days: 7 } }]);
    const { PublicAccessBlockConfiguration } = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const { TemplateBody } = await aws.cloudformation.send(new GetTemplateCommand({ StackName: 'through-s3' }));
    expect(TemplateBody).toBe(templateBody);
  });

  it('refuses a bucket of its name that another account holds, naming --template-bucket, and creates no stack', async () => {
    const region = 'eu-west-1';
    const { Credentials } = await new STSClient(emulatorClientConfig(aws.emulator.endpoint))
      .send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/squatter', RoleSessionName: 'squat' }));
    const squatter = new S3Client({ ...emulatorClientConfig(aws.emulator.endpoint), region, credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken } });
    await squatter.send(new CreateBucketCommand({ Bucket: `cloudfront-api-key-rotation-${ACCOUNT}-${region}`, CreateBucketConfiguration: { LocationConstraint: region } }));

    const { code, output } = await deployIn(region, 'squatted');

    expect(code).toBe(2);
    expect(output.errors[0]).toMatch(/^error: The S3 bucket name "cloudfront-api-key-rotation-123456789012-eu-west-1", which deploy uses for the templates of account 123456789012, belongs to another AWS account.* pass --template-bucket/);
    await expect(localClients(aws.emulator.endpoint, region).cloudformation.send(new DescribeStacksCommand({ StackName: 'squatted' }))).rejects.toThrow('does not exist');
  });
});
