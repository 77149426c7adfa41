// LOCAL STAND-INS, for the demo and the end-to-end tests only. moto stores API Gateway and
// CloudFront configuration but serves no requests through them, so two small HTTP servers on
// 127.0.0.1 play those parts, reading their configuration from the emulator:
//   - "API stage": answers GET /<stage>/pets with 200 when x-api-key is an enabled key in a usage
//     plan of that stage, and 403 otherwise, as API Gateway does for a method that requires a key;
//     like API Gateway's execute-api endpoint, it serves every API of every account and Region;
//     it can be told to refuse some keys, to play an API that does not accept a new key;
//   - "CloudFront": forwards each request to the origin of the cache behaviour whose path pattern
//     it matches, adding the origin custom headers of the distribution's current configuration
//     (they override viewer headers of the same name), and every viewer header but Host, as the
//     AllViewerExceptHostHeader policy does; an origin other than an API stage answers 502, as
//     nothing serves it here.
// Every response carries `x-stand-in: api-stage` or `x-stand-in: cloudfront`.
import {
  APIGatewayClient,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emulatorClientConfig } from './launch';

export interface StandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<StandIn> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: Error) => {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function reply(res: ServerResponse, standIn: string, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-stand-in': standIn }).end(body);
}

/**
 * Keys the "API stage" refuses although its usage plan holds them: an API that does not accept
 * a new key (the plan bound to another stage, a method whose key source is not HEADER), or API
 * Gateway's delay before a new key works. moto dates keys to the second only, so "new" means
 * "not among the keys when the rule was set", not a time.
 */
export interface KeyRefusal {
  /** Refuse the key with this ID. */
  keyId?: string;
  /** Refuse every key created after the rule was set: always, or for `seconds` after the first request with it. */
  newKeys?: { seconds?: number };
}

export interface ApiStageStandIn extends StandIn {
  /** Start refusing keys by `rule`; undefined accepts every key of the plan again. */
  refuse(rule: KeyRefusal | undefined): Promise<void>;
}

class Refusals {
  private rule: KeyRefusal | undefined;
  private known = new Set<string>();
  private readonly firstSeen = new Map<string, number>();

  set(rule: KeyRefusal | undefined, existingKeyIds: string[]): void {
    this.rule = rule;
    this.known = new Set(existingKeyIds);
    this.firstSeen.clear();
  }

  refuses(keyId: string, now: number): boolean {
    const { keyId: refused, newKeys } = this.rule ?? {};
    if (keyId === refused) return true;
    if (!newKeys || this.known.has(keyId)) return false;
    if (!this.firstSeen.has(keyId)) this.firstSeen.set(keyId, now);
    return newKeys.seconds === undefined || now - this.firstSeen.get(keyId)! < newKeys.seconds * 1000;
  }
}

/** Where a REST API lives: moto_extension/execute_api.py lists them. */
interface RestApi {
  id: string;
  account: string;
  region: string;
}

/**
 * API Gateway in every account and Region of the emulator. Clients are made on first use: the
 * stand-in starts before the emulator, which needs its URL.
 */
function apiGatewayEverywhere(endpoint: () => string) {
  const clients = new Map<string, APIGatewayClient>();
  const owners = new Map<string, RestApi>();
  const restApis = async () => (await (await fetch(`${endpoint()}/moto-api/rest-apis`)).json()) as RestApi[];
  return {
    restApis,
    client({ account, region }: Omit<RestApi, 'id'>): APIGatewayClient {
      const where = `${account}/${region}`;
      if (!clients.has(where)) clients.set(where, inAccount(new APIGatewayClient({ ...emulatorClientConfig(endpoint()), region }), account));
      return clients.get(where)!;
    },
    /** The API with this ID in this Region, if any. An API never changes owner, so each is looked up once. */
    async find(id: string, region: string): Promise<RestApi | undefined> {
      if (!owners.has(id)) for (const api of await restApis()) owners.set(api.id, api);
      const api = owners.get(id);
      return api?.region === region ? api : undefined;
    },
  };
}

/** moto serves the account that `x-moto-account-id` names (moto/core/responses.py, get_current_account). */
function inAccount(client: APIGatewayClient, account: string): APIGatewayClient {
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'emulatorAccount' },
  );
  return client;
}

/** The enabled key with this value in a usage plan that covers this API stage, if any. */
async function planKey(apigateway: APIGatewayClient, apiId: string, stage: string, value: string): Promise<string | undefined> {
  const { items: plans = [] } = await apigateway.send(new GetUsagePlansCommand({ limit: 500 }));
  for (const plan of plans.filter((p) => p.apiStages?.some((s) => s.apiId === apiId && s.stage === stage))) {
    const { items: keys = [] } = await apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id, limit: 500 }));
    for (const { id } of keys) {
      // A key deleted since the plan's keys were listed (a rotation's cleanup) is no match.
      const key = await apigateway.send(new GetApiKeyCommand({ apiKey: id, includeValue: true })).catch((error: Error) => {
        if (error.name === 'NotFoundException') return undefined;
        throw error;
      });
      if (key?.enabled && key.value === value) return id;
    }
  }
  return undefined;
}

/**
 * The "API stage" of every API in the emulator: `Host` names the API and its Region
 * (`<api-id>.execute-api.<region>.amazonaws.com`; `x-stand-in-host` instead, from functions run
 * by the emulator, whose fetch cannot set Host), the first path segment the stage; the API's own
 * account judges the key. `pets` is the JSON body GET /pets returns. `endpoint` is the emulator's.
 */
export async function startApiStageStandIn(endpoint: () => string, pets: string): Promise<ApiStageStandIn> {
  const refusals = new Refusals();
  const apigateway = apiGatewayEverywhere(endpoint);
  const standIn = await listen(async (req, res) => {
    const host = req.headers['x-stand-in-host'] ?? req.headers.host ?? '';
    const [apiId, , region] = String(host).split('.');
    const [, stage = '', ...path] = (req.url ?? '/').split('?')[0].split('/');
    const key = req.headers['x-api-key'];
    const api = await apigateway.find(apiId, region);
    const keyId = api && typeof key === 'string' ? await planKey(apigateway.client(api), apiId, stage, key) : undefined;
    if (!keyId || refusals.refuses(keyId, Date.now())) return reply(res, 'api-stage', 403, '{"message":"Forbidden"}');
    if (req.method === 'GET' && path.join('/') === 'pets') return reply(res, 'api-stage', 200, pets);
    return reply(res, 'api-stage', 404, '{"message":"Missing Authentication Token"}');
  });
  return {
    ...standIn,
    async refuse(rule) {
      // A key can serve only an API of its own account and Region.
      const places = new Map((await apigateway.restApis()).map((api) => [`${api.account}/${api.region}`, api]));
      const keys = await Promise.all([...places.values()].map((api) => apigateway.client(api).send(new GetApiKeysCommand({ limit: 500 }))));
      refusals.set(rule, keys.flatMap(({ items = [] }) => items.map((k) => k.id!)));
    },
  };
}

/**
 * Whether a request for `path` (its path, without the query string) matches a cache behaviour's
 * `pattern`, as CloudFront compares them (Developer Guide, "Path pattern"): `*` matches 0 or more
 * characters, `/` among them (`images/*.jpg` matches the .jpg files in subdirectories of images
 * too), `?` exactly one, the comparison is case-sensitive, and a leading `/` is optional.
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const wildcards = { '*': '.*', '?': '.' } as Record<string, string>;
  const source = [...pattern.replace(/^\/?/, '/')].map((c) => wildcards[c] ?? c.replace(/[\\^$.+()[\]{}|]/, '\\$&')).join('');
  return new RegExp(`^${source}$`).test(path);
}

// The domains the API stage stand-in serves: every REST API's execute-api endpoint.
const API_STAGE_DOMAIN = /^[^.]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/i;

/**
 * The "CloudFront" edge of one distribution. `originUrl` is where the origins with an API stage's
 * domain are served here: the API stage stand-in. A request goes to the origin of the first cache
 * behaviour, in their order, whose path pattern it matches, else of the default cache behaviour
 * (API Reference, CacheBehavior: "the requested path is compared with path patterns in the order
 * in which cache behaviors are listed in the distribution").
 */
export function startCloudFrontStandIn(cloudfront: CloudFrontClient, distributionId: string, originUrl: string): Promise<StandIn> {
  return listen(async (req, res) => {
    const { DistributionConfig: config } = await cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    const path = (req.url ?? '/').split('?')[0];
    const behaviour = config?.CacheBehaviors?.Items?.find((b) => matchesPathPattern(b.PathPattern ?? '', path)) ?? config?.DefaultCacheBehavior;
    const origin = config?.Origins?.Items?.find((o) => o.Id === behaviour?.TargetOriginId);
    if (!origin) return reply(res, 'cloudfront', 502, '{"message":"no origin"}');
    if (!API_STAGE_DOMAIN.test(origin.DomainName ?? '')) {
      return reply(res, 'cloudfront', 502, JSON.stringify({ message: `Nothing serves origin ${origin.Id} (${origin.DomainName}) here: the stand-in forwards to API stages only.`, origin: origin.Id }));
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (name !== 'host' && value !== undefined) headers[name] = value;
    for (const { HeaderName, HeaderValue } of origin.CustomHeaders?.Items ?? []) headers[HeaderName!.toLowerCase()] = HeaderValue!;
    headers.host = origin.DomainName!;
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const forwarded = request(`${originUrl}${origin.OriginPath ?? ''}${req.url}`, { method: req.method, headers }, resolve);
      forwarded.on('error', reject);
      req.pipe(forwarded);
    });
    res.writeHead(upstream.statusCode ?? 502, { ...upstream.headers, 'x-stand-in': 'cloudfront' });
    upstream.pipe(res);
  });
}
