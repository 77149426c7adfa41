// The endpoint URLs the SDK reads from the environment (AWS_ENDPOINT_URL, and per service
// AWS_ENDPOINT_URL_<SERVICE>, @smithy/core's endpoints), checked before any call: the SDK would
// fail on the first one with a bare "TypeError: Invalid URL" naming neither variable nor value.
import { EndpointUrlError } from './errors';

const ENDPOINT_VARIABLE = /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/;

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export function checkEndpointUrls(env: NodeJS.ProcessEnv): void {
  // The SDK's own switch to ignore them: then so does this check.
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return;
  // An empty variable counts as unset, for the SDK too.
  const bad = Object.entries(env).find(([name, value]) => ENDPOINT_VARIABLE.test(name) && value && !isHttpUrl(value));
  if (bad) throw new EndpointUrlError(bad[0], bad[1]!);
}
