import { GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClients } from '../../scripts/cli/aws-clients';
import { main } from '../../scripts/cli/main';
import { NotAwsAnswerError } from '../../scripts/cli/errors';
import { START, noSleep, recordingOutput } from './cli.fixtures';

// A web server on this machine that is no AWS API, reached as a user would reach it: through the
// CLI's own clients, with AWS_ENDPOINT_URL pointing at it.
let answer: { status: number; type: string; body: string; requestId?: string } = { status: 200, type: 'text/html', body: '' };
const server = createServer((_request, response) => {
  response.writeHead(answer.status, {
    ...(answer.type ? { 'content-type': answer.type } : {}),
    ...(answer.requestId ? { 'x-amzn-requestid': answer.requestId } : {}),
  });
  response.end(answer.body);
});
let endpoint = '';
const ENV = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  delete process.env.AWS_PROFILE; // a profile would take precedence over the keys above
});

afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await new Promise((resolve) => server.close(resolve));
});

const status = async () => {
  const output = recordingOutput();
  const code = await main(['status', '--stack-name', 'edge-api', '--region', 'eu-west-1'], { output, clients: createClients, now: () => START, sleep: noSleep });
  return { code, output };
};

describe('an answer that did not come from AWS', () => {
  it.each([
    ['a web page', 200, 'text/html', '<!doctype html><title>Welcome</title>', 'HTTP 200, text/html'],
    ['a missing page', 404, 'text/html', '<html><body>Not Found</body></html>', 'HTTP 404, text/html'],
    ['plain text', 404, 'text/plain', '404 page not found', 'HTTP 404, text/plain'],
    ['JSON where the API speaks XML', 200, 'application/json', '{"hello":"world"}', 'HTTP 200, application/json'],
    ['an empty refusal', 403, '', '', 'HTTP 403'],
  ])('is named as such in one sentence, with the endpoint and exit code 2 (a wrong argument, not an unhealthy stack), when it is %s', async (_case, statusCode, type, body, described) => {
    answer = { status: statusCode, type, body };

    const { code, output } = await status();

    expect(code).toBe(2);
    expect(output.errors).toEqual([`error: The answer from ${endpoint} (${described}) did not come from an AWS API: check --region, and AWS_ENDPOINT_URL if you set one.`]);
    expect(output.lines).toEqual([]);
  });

  it.each([
    ['CloudFormation', () => createClients({ region: 'eu-west-1' }).cloudformation.send(new DescribeStacksCommand({ StackName: 'edge-api' }))],
    ['API Gateway', () => createClients({ region: 'eu-west-1' }).apigateway.send(new GetApiKeyCommand({ apiKey: 'm2m1k7sybf' }))],
    ['CloudFront', () => createClients({ region: 'eu-west-1' }).cloudfront.send(new GetDistributionConfigCommand({ Id: 'E2QWRUHEXAMPLE' }))],
  ])('is caught by the %s client, keeping what the SDK made of it as the cause', async (_service, send) => {
    answer = { status: 404, type: 'text/html', body: '<html><body>Not Found</body></html>' };

    const error = await send().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NotAwsAnswerError);
    expect((error as Error).cause).toHaveProperty('$metadata.httpStatusCode', 404);
  });

  it('is not suspected of a text/html answer with a request ID: the emulator labels JSON so', async () => {
    answer = { status: 200, type: 'text/html; charset=utf-8', body: '{"id":"m2m1k7sybf","enabled":true}', requestId: 'f1e2d3c4' };

    const key = await createClients({ region: 'eu-west-1' }).apigateway.send(new GetApiKeyCommand({ apiKey: 'm2m1k7sybf' }));

    expect(key).toMatchObject({ id: 'm2m1k7sybf', enabled: true });
  });

  it("leaves AWS's own errors as AWS words them", async () => {
    answer = {
      status: 400,
      type: 'text/xml',
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id edge-api does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>',
    };

    const { code, output } = await status();

    expect(code).toBe(2);
    expect(output.errors).toEqual(['error: Stack "edge-api" does not exist in this account and Region: check its name and Region.']);
  });
});
