// The verifier's GET. A hung origin must not use up the function's 60 s before any metric is
// written, so each request gives up after `timeoutMs` (the verifier counts that as status 0).
export const probe = (timeoutMs: number) => (url: string) => fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
