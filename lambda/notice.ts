// A rotation notice, written once for each kind of subscriber the topic can have. E-mail (and any
// other protocol) gets plain text. Amazon Q Developer in chat applications, which SNS reaches over
// HTTPS (https://global.sns-api.chatbot.amazonaws.com), shows AWS service events and "custom
// notifications" only, so it gets one of those: version "1.0", source "custom", and a content
// description at least (Q Developer Administrator Guide, "Custom notifications using Amazon Q
// Developer in chat applications"). With MessageStructure "json", SNS delivers to each
// subscription the text under its protocol's key, or under "default" (SNS API reference, Publish).
import type { PublishCommandInput } from '@aws-sdk/client-sns';

export interface Notice {
  stackName: string;
  ok: boolean;
  /** The first line: what happened to the stack. */
  headline: string;
  /** Further lines: the active key, each problem found. */
  details: string[];
  /** What the operator should do, where something went wrong: the README runbook's entry. */
  runbook?: string;
}

/** SNS subjects are at most 100 characters (API reference, Publish). */
const SUBJECT_LIMIT = 100;

export function noticeInput(topicArn: string, notice: Notice): PublishCommandInput {
  const subject = `${notice.ok ? 'OK' : 'ACTION NEEDED'}: API key rotation of ${notice.stackName}`.slice(0, SUBJECT_LIMIT);
  const runbook = notice.runbook === undefined ? [] : [`README runbook: "${notice.runbook}".`];
  const chat = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `${notice.ok ? '✅' : '⚠️'} ${subject}`,
      description: [notice.headline, ...notice.details].join('\n'),
      ...(runbook.length ? { nextSteps: runbook } : {}),
    },
    metadata: { eventType: notice.ok ? 'RotationSucceeded' : 'RotationFailed', relatedResources: [notice.stackName] },
  };
  return {
    TopicArn: topicArn,
    Subject: subject,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: [notice.headline, ...notice.details, ...runbook].join('\n'), https: JSON.stringify(chat) }),
  };
}
