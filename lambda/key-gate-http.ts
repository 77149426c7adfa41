// The key gate's two requests, on the runtime's fetch (undici).

// A request to an API that hangs must not use up the time the gate has to answer.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The status of a GET of `url` with `headers`, 0 when nothing answered. A redirect is not
 * followed: fetch would send the x-api-key header on to wherever Location points. For
 * redirect 'manual', undici resolves with the 3xx response itself, not the opaque-redirect
 * response of status 0 that browsers give (nodejs/undici#1193), so the status is the real one.
 */
export const getStatus = (url: string, headers: Record<string, string>) =>
  fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then((r) => r.status, () => 0);

/**
 * PUTs the answer to the pre-signed ResponseURL. The URL may be signed with an empty
 * Content-Type (AWS's cfn-response module sends "content-type": "" for that reason); fetch would
 * otherwise send text/plain.
 */
export async function putAnswer(url: string, body: string): Promise<void> {
  const { ok, status } = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!ok) throw new Error(`The answer to CloudFormation was refused with HTTP ${status}`);
}
