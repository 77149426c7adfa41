// Clients for each account and Region of a fleet: the caller's own credentials, or, with
// --role-name, that role assumed in the account through the SDK's own temporary-credentials
// provider, assumed once for all of the account's clients and again only before they expire.
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Pluggable } from '@smithy/types';
import type { Target, TargetDependencies } from './targets';

export interface ClientOptions {
  region?: string;
  profile?: string;
  credentials?: AwsCredentialIdentityProvider;
}

/** Credentials this close to expiry are assumed again: the SDK's own clients refresh 5 minutes ahead. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export interface FleetClientsOptions {
  now?: () => number;
  /** Added to every STS client, the credential providers' own included (the benchmark counts their calls). */
  stsPlugins?: Pluggable<any, any>[];
}

export function fleetClients<C>(make: (options: ClientOptions) => C, options: ClientOptions, roleName?: string, { now = () => Date.now(), stsPlugins = [] }: FleetClientsOptions = {}) {
  const sts = new STSClient(options);
  stsPlugins.forEach((plugin) => sts.middlewareStack.use(plugin));
  // Read once, and only when needed: the caller's account, or the partition of an assumed role.
  let identity: Promise<GetCallerIdentityCommandOutput> | undefined;
  const callerIdentity = () => (identity ??= sts.send(new GetCallerIdentityCommand({})));
  const cache = new Map<string, C>();
  const roles = new Map<string, AwsCredentialIdentityProvider>();
  const clientsFor = ({ account, region }: Target): C => {
    const key = `${account}/${region}`;
    if (!cache.has(key)) {
      if (roleName && !roles.has(account)) roles.set(account, sharedCredentials(roleCredentials(account, roleName, options, callerIdentity, stsPlugins), now));
      const credentials = roles.get(account);
      cache.set(key, make({ ...options, region, ...(credentials && { credentials }) }));
    }
    return cache.get(key)!;
  };
  const targetDependencies: TargetDependencies = {
    callerAccount: async () => (await callerIdentity()).Account ?? '',
    enabledRegions: async () => {
      const { Regions = [] } = await new EC2Client(options).send(new DescribeRegionsCommand({}));
      return Regions.map((r) => r.RegionName ?? '').filter(Boolean).sort();
    },
  };
  return { clientsFor, targetDependencies };
}

function roleCredentials(account: string, roleName: string, options: ClientOptions, identity: () => Promise<{ Arn?: string }>, clientPlugins: Pluggable<any, any>[]): AwsCredentialIdentityProvider {
  let provider: AwsCredentialIdentityProvider | undefined;
  return async (properties) => {
    if (!provider) {
      // The caller's partition (aws, aws-cn, aws-us-gov) is the role's.
      const partition = (await identity()).Arn?.split(':')[1] ?? 'aws';
      provider = fromTemporaryCredentials({
        params: { RoleArn: `arn:${partition}:iam::${account}:role/${roleName}`, RoleSessionName: 'cloudfront-api-key-rotation' },
        clientConfig: { region: options.region, profile: options.profile },
        clientPlugins,
      });
    }
    return provider(properties);
  };
}

/**
 * One set of credentials for every client that asks: each SDK client keeps what it gets, but
 * would otherwise ask on its own, one AssumeRole per client. Asked again when near expiry, and
 * after a failure.
 */
export function sharedCredentials(provider: AwsCredentialIdentityProvider, now: () => number): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  return async (properties) => {
    const held = current && (await current.catch(() => undefined));
    const expiring = held?.expiration !== undefined && held.expiration.getTime() - now() < REFRESH_BEFORE_EXPIRY_MS;
    if (!held || expiring) current = provider(properties);
    return current!;
  };
}
