import type { CloudFormationClient } from './cloudformation';
import type { ScheduledEvent } from 'aws-lambda';
import { EventTimeAheadError, InvalidEventError } from './errors';
import { rotateApiKey, type RotationOutcome } from './rotation';
import { clientRequestTokenFor, timestampFrom } from './timestamp';

/** How far ahead of the function's clock a scheduled event's time may be: EventBridge's and Lambda's clocks may differ. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface HandlerDependencies {
  cloudformation: CloudFormationClient;
  /** The stack this function belongs to; the template sets it. */
  stackName: string;
  /** Receives one record per invocation: stack, old and new Timestamp, result. Never a secret. */
  log: (record: Record<string, string>) => void;
  now: () => Date;
}

/**
 * The scheduled rotation. The new Timestamp comes from the event's own `time`, so Lambda's
 * retries of one event rotate to the same Timestamp with the same idempotency token.
 */
export function createHandler({ cloudformation, stackName, log, now }: HandlerDependencies) {
  return async (event: Pick<ScheduledEvent, 'time'>): Promise<RotationOutcome> => {
    let timestamp = '';
    try {
      // EventBridge writes `time` as `2026-11-22T01:57:00Z`: a real date, written back the same.
      const time = new Date(event?.time);
      if (!(+time >= 0) || time.toISOString().replace('.000Z', 'Z') !== event.time) {
        throw new InvalidEventError(`"time" is ${JSON.stringify(event?.time)}, expected e.g. "2026-11-22T01:57:00Z"`);
      }
      const clock = now();
      // Anyone allowed to invoke the function can send any time. A future Timestamp would pass as
      // one set by hand (see supersedes) and name the key after a moment still to come.
      if (+time - +clock > CLOCK_SKEW_MS) throw new EventTimeAheadError(`"time" ${event.time} is over 5 minutes ahead of the clock`);
      timestamp = timestampFrom(time);
      const outcome = await rotateApiKey(cloudformation, {
        stackName,
        timestamp,
        clientRequestToken: clientRequestTokenFor(timestamp),
        now: timestampFrom(clock),
      });
      log(outcome);
      return outcome;
    } catch (error) {
      const { name, message } = error as Error;
      log({ stack: stackName, timestamp, result: 'failed', error: name, message });
      throw error;
    }
  };
}
