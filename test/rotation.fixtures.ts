import { CloudFormationServiceException, type Parameter, type Stack } from '@aws-sdk/client-cloudformation';

export const STACK_NAME = 'edge-api';
export const STACK_ID = `arn:aws:cloudformation:eu-west-1:123456789012:stack/${STACK_NAME}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;

export const PARAMETERS: Parameter[] = [
  { ParameterKey: 'ApiURL', ParameterValue: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod' },
  { ParameterKey: 'ApiKeyRotationSchedule', ParameterValue: 'Monthly' },
  { ParameterKey: 'Timestamp', ParameterValue: '2026-10-23T01-57-00Z' },
  { ParameterKey: 'WebACLArn', ParameterValue: '' },
];

/** The outputs by which a stack of this template is recognised (their values do not matter here). */
export const OWN_OUTPUTS = ['ApiKeyId', 'ApiKeySecretArn', 'CloudFrontURL', 'DistributionId', 'UsagePlanId'].map((OutputKey) => ({ OutputKey, OutputValue: 'x' }));

export function stack(overrides: Partial<Stack> = {}): Stack {
  return {
    StackName: STACK_NAME,
    StackId: STACK_ID,
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date('2026-01-01T00:00:00Z'),
    Parameters: PARAMETERS,
    Outputs: OWN_OUTPUTS,
    Capabilities: ['CAPABILITY_IAM'],
    ...overrides,
  };
}

/** An error as the SDK raises it for a CloudFormation error response. */
export function serviceError(name: string, message: string): CloudFormationServiceException {
  return new CloudFormationServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

export const NO_UPDATES = serviceError('ValidationError', 'No updates are to be performed.');
export const NOT_FOUND = serviceError('ValidationError', `Stack with id ${STACK_NAME} does not exist`);
export const busy = (status: string) =>
  serviceError('ValidationError', `Stack:${STACK_ID} is in ${status} state and can not be updated.`);
