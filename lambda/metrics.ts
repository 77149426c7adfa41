// CloudWatch metrics in Embedded Metric Format: one JSON log line that CloudWatch Logs turns into
// metrics, so the functions need no cloudwatch:PutMetricData. The line must reach the log as
// written: the handlers print it with process.stdout.write, because with the JSON log format the
// runtime wraps console output in its own record.

export const METRICS_NAMESPACE = 'CloudFrontApiKeyRotation';

/** An EMF record of `metrics` with the single dimension StackName. */
export function metricsRecord(stack: string, metrics: Record<string, number>, now: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['StackName']], Metrics: Object.keys(metrics).map((Name) => ({ Name })) }],
    },
    StackName: stack,
    ...metrics,
  });
}
