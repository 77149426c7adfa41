// A stack that fails a rotation after the key gate has passed: the real template plus a custom
// resource after the distribution (or an existing distribution's header: `after`) whose function answers FAILED to any update that moves the
// Timestamp forward (and SUCCESS to everything else, so the rollback itself goes through).
import { parseTemplate, readTemplate } from '../../scripts/template';

const TRIPWIRE_CODE = `exports.handler = async (event) => {
  const forward = event.RequestType === 'Update' && event.ResourceProperties.Timestamp > event.OldResourceProperties.Timestamp;
  const answer = { Status: forward ? 'FAILED' : 'SUCCESS', Reason: 'Tripwire: this rotation fails after the key gate.', PhysicalResourceId: 'tripwire',
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify(answer) });
};
`;

export function templateWithTripwire(after: 'Distribution' | 'OriginHeader' = 'Distribution') {
  const template = parseTemplate(readTemplate());
  template.Resources.TripwireFunction = {
    Type: 'AWS::Lambda::Function',
    Properties: { Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 30, Role: { 'Fn::GetAtt': ['KeyGateRole', 'Arn'] }, Code: { ZipFile: TRIPWIRE_CODE } },
  };
  template.Resources.Tripwire = {
    Type: 'AWS::CloudFormation::CustomResource',
    DependsOn: after,
    Properties: { ServiceToken: { 'Fn::GetAtt': ['TripwireFunction', 'Arn'] }, Timestamp: { Ref: 'Timestamp' } },
  };
  return { TemplateBody: JSON.stringify(template), Capabilities: ['CAPABILITY_IAM' as const] };
}
