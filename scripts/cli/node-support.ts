// The AWS SDK for JavaScript v3 prints a multi-line NodeVersionSupportWarning on Node < 22 the
// first time a client is created (@aws-sdk/core, emitWarningIfUnsupportedVersion): its releases
// after the first week of January 2027 need Node 22. The CLI turns that off through the SDK's own
// switch, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, and says it once in its help instead,
// never before a command's output or inside an error.

/** The first Node major that the SDK's releases after January 2027 support. */
export const SDK_NODE_MAJOR = 22;

export function silenceSdkNodeNotice(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** A line for the help text when `version` (like `v20.20.2`) is older than the SDK will support. */
export function nodeSupportNote(version: string): string | undefined {
  if (Number(/^v(\d+)\./.exec(version)?.[1]) >= SDK_NODE_MAJOR) return undefined;
  return `Note: you run Node ${version}. This version of the tool works on it, but AWS SDK releases after January 2027 need Node ${SDK_NODE_MAJOR} or later: upgrade Node before updating this tool's dependencies.`;
}
