import { type Notice, noticeInput } from '../lambda/notice';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:edge-api-RotationTopic-1';
const SUCCEEDED: Notice = { stackName: 'edge-api', ok: true, headline: 'Stack edge-api: rotated and verified.', details: [] };
const FAILED: Notice = {
  stackName: 'edge-api',
  ok: false,
  headline: 'Stack edge-api: rotation ended in UPDATE_ROLLBACK_COMPLETE.',
  details: ['Active key: CloudFront-2026-11-22T10-00-00Z (oldkey0001).', 'Cause: KeyGate UPDATE_FAILED: The key gate stopped the rotation.'],
  runbook: 'UPDATE_ROLLBACK_COMPLETE',
};

/** What SNS delivers to a subscription of each protocol, as its Publish reference describes. */
const delivered = (notice: Notice) => {
  const input = noticeInput(TOPIC, notice);
  expect(input.MessageStructure).toBe('json');
  const byProtocol = JSON.parse(input.Message!);
  return { subject: input.Subject, email: byProtocol.email ?? byProtocol.default, chat: JSON.parse(byProtocol.https) };
};

describe('a rotation notice', () => {
  it.each([
    ['a success', SUCCEEDED, 'OK: API key rotation of edge-api', 'Stack edge-api: rotated and verified.'],
    [
      'a failure',
      FAILED,
      'ACTION NEEDED: API key rotation of edge-api',
      [...[FAILED.headline, ...FAILED.details], 'README runbook: "UPDATE_ROLLBACK_COMPLETE".'].join('\n'),
    ],
  ])('reads as plain text by e-mail: %s', (_case, notice, subject, text) => {
    expect(delivered(notice)).toMatchObject({ subject, email: text });
  });

  it('is a custom notification for Amazon Q Developer in chat applications, which SNS reaches over HTTPS', () => {
    const { chat } = delivered(FAILED);

    expect(chat).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: '⚠️ ACTION NEEDED: API key rotation of edge-api',
        description: [FAILED.headline, ...FAILED.details].join('\n'),
        nextSteps: ['README runbook: "UPDATE_ROLLBACK_COMPLETE".'],
      },
      metadata: { eventType: 'RotationFailed', relatedResources: ['edge-api'] },
    });
  });

  it('marks a success in chat, with no next step to take', () => {
    const { chat } = delivered(SUCCEEDED);

    expect(chat.content).toEqual({ textType: 'client-markdown', title: '✅ OK: API key rotation of edge-api', description: SUCCEEDED.headline });
    expect(chat.metadata.eventType).toBe('RotationSucceeded');
  });

  it('keeps the subject within the 100 characters SNS allows, for the longest stack names', () => {
    const stackName = `s${'x'.repeat(127)}`;

    const { subject, chat } = delivered({ ...SUCCEEDED, stackName });

    expect(subject).toHaveLength(100);
    expect(subject).toBe(`OK: API key rotation of ${stackName}`.slice(0, 100));
    expect(chat.metadata.relatedResources).toEqual([stackName]);
  });
});
