// Kept apart from deploy.ts, which loads the AWS SDK: parsing the command line needs only these names.

/** The command-line flag for each template parameter that `deploy` takes. */
export const PARAMETER_FLAGS: Record<string, string> = {
  ApiURL: '--api-url',
  ApiKeyRotationSchedule: '--schedule',
  RotationHour: '--rotation-hour',
  RotationMinute: '--rotation-minute',
  RotationDayOfMonth: '--rotation-day',
  RotationTimeZone: '--rotation-time-zone',
  RotationWindowMinutes: '--rotation-window-minutes',
  WebACLArn: '--web-acl-arn',
  NotificationEmail: '--notification-email',
  SlackWorkspaceId: '--slack-workspace-id',
  SlackChannelId: '--slack-channel-id',
  HealthCheckPath: '--health-check-path',
  KeyGateTimeoutSeconds: '--key-gate-seconds',
  RollbackMonitoringMinutes: '--rollback-minutes',
  DomainNames: '--domain-names',
  CertificateArn: '--certificate-arn',
  HostedZoneId: '--hosted-zone-id',
  AccessLogBucket: '--access-log-bucket',
  DistributionId: '--distribution-id',
};
