// A named AWS profile must exist before any client is made. Given a profile that no shared file
// defines, the SDK's credential chain fails in the end anyway, but when AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY are set too it first prints a multi-line "Multiple credential sources
// detected" warning on stderr (@aws-sdk/credential-provider-node, defaultProvider), before the
// CLI's one-sentence error. The AWS CLI refuses such a profile too, from --profile or AWS_PROFILE.
import { ProfileNotFoundError } from './errors';

/** The profiles the shared config and credentials files define, read as the SDK reads them. */
export async function sharedProfiles(): Promise<string[]> {
  // The SDK's own loader: the same files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else
  // ~/.aws/config and ~/.aws/credentials) and the same sections (`[profile P]` in config).
  const { loadSharedConfigFiles } = require('@smithy/core/config') as typeof import('@smithy/core/config');
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  return [...Object.keys(configFile), ...Object.keys(credentialsFile)];
}

export async function checkProfile(profile: string, from: '--profile' | 'AWS_PROFILE', profiles: () => Promise<string[]>): Promise<void> {
  if (!(await profiles()).includes(profile)) throw new ProfileNotFoundError(profile, from);
}
