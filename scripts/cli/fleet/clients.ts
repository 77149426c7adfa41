// Clients for each account and Region of a fleet: the caller's own credentials, or, with
// --role-name, that role assumed in the account through the SDK's own temporary-credentials
// provider (which refreshes them before they expire).
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Target, TargetDependencies } from './targets';

export interface ClientOptions {
  region?: string;
  profile?: string;
  credentials?: AwsCredentialIdentityProvider;
}

export function fleetClients<C>(make: (options: ClientOptions) => C, options: ClientOptions, roleName?: string) {
  const sts = new STSClient(options);
  // Read once, and only when needed: the caller's account, or the partition of an assumed role.
  let identity: Promise<GetCallerIdentityCommandOutput> | undefined;
  const callerIdentity = () => (identity ??= sts.send(new GetCallerIdentityCommand({})));
  const cache = new Map<string, C>();
  const clientsFor = ({ account, region }: Target): C => {
    const key = `${account}/${region}`;
    if (!cache.has(key)) {
      const credentials = roleName ? roleCredentials(account, roleName, options, callerIdentity) : undefined;
      cache.set(key, make({ ...options, region, ...(credentials && { credentials }) }));
    }
    return cache.get(key)!;
  };
  const targetDependencies: Omit<TargetDependencies, 'cloudformation'> = {
    callerAccount: async () => (await callerIdentity()).Account ?? '',
    enabledRegions: async () => {
      const { Regions = [] } = await new EC2Client(options).send(new DescribeRegionsCommand({}));
      return Regions.map((r) => r.RegionName ?? '').filter(Boolean).sort();
    },
  };
  return { clientsFor, targetDependencies };
}

function roleCredentials(account: string, roleName: string, options: ClientOptions, identity: () => Promise<{ Arn?: string }>): AwsCredentialIdentityProvider {
  let provider: AwsCredentialIdentityProvider | undefined;
  return async (properties) => {
    if (!provider) {
      // The caller's partition (aws, aws-cn, aws-us-gov) is the role's.
      const partition = (await identity()).Arn?.split(':')[1] ?? 'aws';
      provider = fromTemporaryCredentials({
        params: { RoleArn: `arn:${partition}:iam::${account}:role/${roleName}`, RoleSessionName: 'cloudfront-api-key-rotation' },
        clientConfig: { region: options.region, profile: options.profile },
      });
    }
    return provider(properties);
  };
}
