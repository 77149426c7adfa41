import type { CloudFormationClient } from './cloudformation';
import type { ScheduledEvent } from 'aws-lambda';
import { InvalidEventError } from './errors';
import { rotateApiKey, type RotationOutcome } from './rotation';
import { clientRequestTokenFor, timestampFrom } from './timestamp';

export interface HandlerDependencies {
  cloudformation: CloudFormationClient;
  /** The stack this function belongs to; the template sets it. */
  stackName: string;
  /** Receives one record per invocation: stack, old and new Timestamp, result. Never a secret. */
  log: (record: Record<string, string>) => void;
}

// EventBridge writes `time` as `2026-11-22T01:57:00Z`.
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * The scheduled rotation. The new Timestamp comes from the event's own `time`, so Lambda's
 * retries of one event rotate to the same Timestamp with the same idempotency token.
 */
export function createHandler({ cloudformation, stackName, log }: HandlerDependencies) {
  return async (event: Pick<ScheduledEvent, 'time'>): Promise<RotationOutcome> => {
    let timestamp = '';
    try {
      // test() of anything but a string tests its String() form, which never matches.
      if (!EVENT_TIME.test(event?.time)) {
        throw new InvalidEventError(`"time" is ${JSON.stringify(event?.time)}, expected e.g. "2026-11-22T01:57:00Z"`);
      }
      timestamp = timestampFrom(new Date(event.time));
      const outcome = await rotateApiKey(cloudformation, {
        stackName,
        timestamp,
        clientRequestToken: clientRequestTokenFor(timestamp),
      });
      log({ ...outcome });
      return outcome;
    } catch (error) {
      const { name, message } = error as Error;
      log({ stack: stackName, timestamp, result: 'failed', error: name, message });
      throw error;
    }
  };
}
