// The `Timestamp` parameter names the secret and the API key, so its machine-written form is
// ISO 8601 in UTC to the second with `-` in place of `:`: secret names may not contain `:`.
// The template's AllowedPattern accepts this form and the blog's `YYYY-MM-DD`.

/** `2026-11-22T01:57:00Z` → `2026-11-22T01-57-00Z`. */
export function timestampFrom(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/**
 * The UpdateStack idempotency token for a rotation to `timestamp`: a retry of the same event
 * computes the same token. CloudFormation allows `[a-zA-Z0-9][-a-zA-Z0-9]*`, at most 128 characters.
 */
export function clientRequestTokenFor(timestamp: string): string {
  return `rotate-${timestamp}`;
}
