// Where a stack really lives. Its stack ID is an ARN, arn:<partition>:cloudformation:<region>:
// <account>:stack/<name>/<id>, so it holds even when the credentials or the client's Region that
// found the stack belong elsewhere.
import type { Target } from './targets';

export interface StackPlace extends Target {
  stack: string;
}

const STACK_ARN = /^arn:[a-z-]+:cloudformation:([a-z0-9-]+):(\d{12}):stack\/([^/]+)\/[^/]+$/;

/** The stack's account, Region and name; undefined for anything but a stack ARN. */
export function placeOf(stackId: string): StackPlace | undefined {
  const match = STACK_ARN.exec(stackId);
  return match ? { region: match[1], account: match[2], stack: match[3] } : undefined;
}
