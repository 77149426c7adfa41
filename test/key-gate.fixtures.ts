import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api/3f1c6a60-7a3e-11ef-9c2b-0a1b2c3d4e5f';
/** The key gate function's environment HEALTH_URL, as the template sets it. */
export const HEALTH_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/pets';
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/2026-11-23T10-00-00Z-AbCdEf';
/** The secret of the key a rotation replaces. */
export const OLD_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/2026-10-23T01-57-00Z-GhIjKl';

/** The request CloudFormation sends the key gate (User Guide, "Custom resource request objects"). */
export function gateEvent(
  type: 'Create' | 'Update' | 'Delete',
  properties: Record<string, string> = {},
  request: { StackId?: string; ResponseURL?: string } = {},
): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:edge-api-KeyGateFunction-1',
    ServiceTimeout: '900',
    SecretArn: SECRET_ARN,
    KeyId: 'newkey0001',
    TimeoutSeconds: '300',
    ...properties,
  };
  const common = {
    ServiceToken: ResourceProperties.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/answer?X-Amz-Signature=abc',
    StackId: STACK_ID,
    RequestId: 'request-1',
    LogicalResourceId: 'KeyGate',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties,
    ...request,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Delete') return { ...common, RequestType: 'Delete', PhysicalResourceId: 'KeyGate-existing' };
  return { ...common, RequestType: 'Update', PhysicalResourceId: 'KeyGate-existing', OldResourceProperties: { ...ResourceProperties, KeyId: 'oldkey0001', SecretArn: OLD_SECRET_ARN } };
}
