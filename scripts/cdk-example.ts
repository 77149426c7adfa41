import { App, Stack } from 'aws-cdk-lib';
import { Subscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { RotatingOriginKey } from './cdk';

const app = new App();
// The CDK CLI sets CDK_DEFAULT_ACCOUNT to the account of the credentials it deploys with.
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' };

const front = new RotatingOriginKey(app, 'ShopFront', {
  stackName: 'shop-edge',
  env,
  // The REST API stage behind CloudFront, given when deploying:
  //   cdk deploy --all -c apiUrl=<api-id>.execute-api.us-east-1.amazonaws.com/prod
  // Left out, the stack makes a demo API.
  apiUrl: app.node.tryGetContext('apiUrl'),
  schedule: 'Monthly',
  notificationEmail: 'ops@example.com',
});

// The rest of the app wires to it as to any construct.
const operations = new Stack(app, 'ShopOperations', { env });
new Subscription(operations, 'OnCall', { topic: front.topic, protocol: SubscriptionProtocol.EMAIL, endpoint: 'oncall@example.com' });
new StringParameter(operations, 'ShopUrl', { parameterName: '/shop/url', stringValue: front.url });
