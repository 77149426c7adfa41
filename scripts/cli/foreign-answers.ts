// Answers that no AWS API gives, from a wrong AWS_ENDPOINT_URL, a proxy or a captive portal. The
// SDK reports them in its own raw words (a JSON or XML parse error with a hint about `$response`),
// or, for an HTML page with status 200, as an empty success that would read as "no such stack".
// This client middleware turns them into a NotAwsAnswerError that names the endpoint that answered.
import { NotAwsAnswerError } from './errors';

interface Answer {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
}

interface SdkError {
  $response?: Answer;
  $fault?: string;
  name?: string;
  message?: string;
  code?: string;
}

const contentType = (answer: Answer | undefined) => answer?.headers?.['content-type']?.split(';')[0].trim() ?? '';

/**
 * Whether a failed call's answer was not an AWS API's. The SDK's deserializer middleware attaches
 * the answer as `$response` to whatever it throws, and an answer it read as a service error has
 * `$fault` (@smithy/core, serde's deserializerMiddleware): `$response` without `$fault`, and
 * without a system error `code` (the connection failing while the body was read), is an answer
 * the SDK could not parse. A service error whose answer named neither an error code nor a message
 * gets the protocols' placeholders (@aws-sdk/core, the protocols' handleError): name `Unknown`, or
 * `NotFound` for a 404, and message `Unknown` or `UnknownError`; AWS always names its errors.
 */
function isForeign(error: SdkError): boolean {
  if (!error.$response) return false;
  if (!error.$fault) return error.code === undefined;
  return /^(Unknown|NotFound)$/.test(error.name ?? '') && /^(Unknown|UnknownError)$/.test(error.message ?? '');
}

function describeAnswer(answer: Answer | undefined): string {
  const type = contentType(answer);
  return `HTTP ${answer?.statusCode}${type ? `, ${type}` : ''}`;
}

/** Added at the build step: around the retries, so it sees only the last attempt's answer. */
export const NOT_AWS_ANSWERS = { step: 'build', name: 'notAwsAnswers' } as const;

export const notAwsAnswers =
  <Args extends { request: unknown }, Result extends { response: unknown; output: unknown }>(next: (args: Args) => Promise<Result>) =>
  async (args: Args): Promise<Result> => {
    const { protocol, hostname, port } = args.request as { protocol: string; hostname: string; port?: number };
    const endpoint = `${protocol}//${hostname}${port ? `:${port}` : ''}`;
    let result: Result;
    try {
      result = await next(args);
    } catch (error) {
      const { $response } = error as SdkError;
      throw isForeign(error as SdkError) ? new NotAwsAnswerError(endpoint, describeAnswer($response), { cause: error }) : error;
    }
    // A web page without the request ID that every AWS answer carries (the SDK reads it into
    // $metadata). Both, since the emulator (moto) labels API Gateway's JSON as text/html.
    const answer = result.response as Answer;
    const { $metadata } = result.output as { $metadata?: { requestId?: string } };
    if (contentType(answer) === 'text/html' && !$metadata?.requestId) throw new NotAwsAnswerError(endpoint, describeAnswer(answer));
    return result;
  };
