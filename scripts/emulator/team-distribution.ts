// What a team already runs, made on the emulator outside any stack: a REST API stage that requires
// an API key, and a distribution in front of it with a site and a partner origin of its own. The
// existing-distribution demo, `npm run emulator -- --team-distribution` and the tests adopt it.
import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import { type CloudFrontClient, CreateDistributionCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';

/** A REST API named `name` whose GET /pets requires an API key, on a MOCK integration, deployed as stage prod: its ApiURL. */
export async function createApiStage(apigateway: APIGatewayClient, name: string): Promise<string> {
  const { id: restApiId } = await apigateway.send(new CreateRestApiCommand({ name }));
  const { items = [] } = await apigateway.send(new GetResourcesCommand({ restApiId }));
  const { id: resourceId } = await apigateway.send(new CreateResourceCommand({ restApiId, parentId: items[0].id, pathPart: 'pets' }));
  const method = { restApiId, resourceId, httpMethod: 'GET' };
  await apigateway.send(new PutMethodCommand({ ...method, authorizationType: 'NONE', apiKeyRequired: true }));
  await apigateway.send(new PutIntegrationCommand({ ...method, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
  await apigateway.send(new PutMethodResponseCommand({ ...method, statusCode: '200' }));
  await apigateway.send(new PutIntegrationResponseCommand({ ...method, statusCode: '200' }));
  await apigateway.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' }));
  return `${restApiId}.execute-api.${await apigateway.config.region()}.amazonaws.com/prod`;
}

/** The team's distribution: the API by default, a site under /static/*, and a partner origin with its own x-api-key under /partner/*. */
export function teamDistributionConfig(apiDomain: string): DistributionConfig {
  const custom = { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' as const, OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2' as const] } };
  const behaviour = (TargetOriginId: string) => ({
    TargetOriginId, ViewerProtocolPolicy: 'https-only' as const, CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
    AllowedMethods: { Quantity: 2, Items: ['GET' as const, 'HEAD' as const], CachedMethods: { Quantity: 2, Items: ['GET' as const, 'HEAD' as const] } },
  });
  return {
    CallerReference: 'team-site-1',
    Comment: 'www, partner and api of the team',
    Enabled: true,
    Origins: {
      Quantity: 3,
      Items: [
        { Id: 'site', DomainName: 'team-site.s3.us-east-1.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' }, CustomHeaders: { Quantity: 0, Items: [] } },
        { Id: 'partner', DomainName: 'partner.example.com', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: 'the-partners-own-key' }] }, CustomOriginConfig: custom },
        { Id: 'api', DomainName: apiDomain, OriginPath: '/prod', CustomHeaders: { Quantity: 0, Items: [] }, CustomOriginConfig: custom },
      ],
    },
    DefaultCacheBehavior: behaviour('api'),
    CacheBehaviors: { Quantity: 2, Items: [{ PathPattern: '/static/*', ...behaviour('site') }, { PathPattern: '/partner/*', ...behaviour('partner') }] },
  };
}

/** The team's API stage and its distribution, as `deploy --api-url` and `--distribution-id` take them. */
export async function createTeamDistribution(aws: { apigateway: APIGatewayClient; cloudfront: CloudFrontClient }): Promise<{ apiUrl: string; distributionId: string }> {
  const apiUrl = await createApiStage(aws.apigateway, 'team-api');
  const { Distribution } = await aws.cloudfront.send(new CreateDistributionCommand({ DistributionConfig: teamDistributionConfig(apiUrl.split('/')[0]) }));
  return { apiUrl, distributionId: Distribution!.Id! };
}
