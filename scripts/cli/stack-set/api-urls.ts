// The --api-urls file of `deploy --stack-set`: which API stage each stack instance puts behind
// CloudFront. A map from account, Region or account/Region to an ApiURL; the most specific entry
// wins. JSON or YAML: JSON is YAML, and the failsafe schema reads every key and value as text, so
// an account ID keeps its leading zeros.
import { parse } from 'yaml';
import { UsageError } from '../errors';

export type ApiUrls = ReadonlyMap<string, string>;

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** The template's AllowedPattern for ApiURL, less the empty value (the demo API, for a fleet a mistake). */
const API_URL = /^[a-z0-9]{10}\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\/[A-Za-z0-9_-]{1,128}$/;

const EXAMPLE = 'for example "111111111111/eu-west-1: a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod"';

function problem(file: string, detail: string): UsageError {
  return new UsageError(`--api-urls ${file}: ${detail}`, 'deploy');
}

export function parseApiUrls(text: string, file: string): ApiUrls {
  let document: unknown;
  try {
    document = parse(text, { schema: 'failsafe' });
  } catch (error) {
    throw problem(file, `not JSON or YAML (${(error as Error).message.split('\n')[0]}).`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw problem(file, `give a map from account, Region or account/Region to an ApiURL, ${EXAMPLE}.`);
  }
  const urls = new Map<string, string>();
  for (const [key, value] of Object.entries(document)) {
    const [first, second, ...rest] = key.split('/');
    const account = ACCOUNT.test(first) ? first : undefined;
    const region = second ?? (account ? undefined : first);
    if (rest.length > 0 || (second !== undefined && !account) || (region !== undefined && !REGION.test(region))) {
      throw problem(file, `"${key}" is not an account ID, a Region or account/Region, ${EXAMPLE}.`);
    }
    const urlRegion = typeof value === 'string' ? regionOf(value) : undefined;
    if (urlRegion === undefined) {
      throw problem(file, `the ApiURL of "${key}" is not <api-id>.execute-api.<region>.amazonaws.com/<stage> (without https://).`);
    }
    if (region !== undefined && urlRegion !== region) {
      throw problem(file, `"${key}" names a stage in ${urlRegion}: a stack's API must be in its own Region (usage plans are regional).`);
    }
    urls.set(key, value as string);
  }
  return urls;
}

/** The Region of an ApiURL's stage; undefined for anything that is no ApiURL ('' included). */
export function regionOf(apiUrl: string): string | undefined {
  return API_URL.exec(apiUrl)?.[1];
}

/** The entry for one instance, most specific first; undefined when the file has none. */
export function apiUrlFor(urls: ApiUrls, account: string, region: string): string | undefined {
  return urls.get(`${account}/${region}`) ?? urls.get(region) ?? urls.get(account);
}

/** Entries that name an account: a service-managed set's accounts come from its OUs, not from the file. */
export function accountEntries(urls: ApiUrls): string[] {
  return [...urls.keys()].filter((key) => ACCOUNT.test(key.split('/')[0]));
}

/**
 * The largest file read: some 10,000 entries, far more than a StackSet has instances. A larger
 * one is no --api-urls file, and parsing it took minutes and gigabytes.
 */
export const API_URLS_MAX_BYTES = 1024 * 1024;

export interface FileAccess {
  size: (file: string) => number;
  read: (file: string) => string;
}

export function readApiUrls(file: string, { size, read }: FileAccess): ApiUrls {
  let text: string;
  try {
    const bytes = size(file);
    if (bytes > API_URLS_MAX_BYTES) throw problem(file, `is ${bytes} bytes, more than any --api-urls file needs (at most ${API_URLS_MAX_BYTES}): give the file with one ApiURL per account, Region or account/Region.`);
    text = read(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw problem(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  return parseApiUrls(text, file);
}
