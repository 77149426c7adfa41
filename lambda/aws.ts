// The AWS SDK clients and commands the verifier uses, imported in one place: esbuild emits a
// require() per importing module, and the functions' inline code has a size limit. The rotation
// function imports only ./cloudformation, so its bundle requires no other client.
export { APIGatewayClient, GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
export { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
export { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand } from './cloudformation';
