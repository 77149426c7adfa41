import { getStatus, putAnswer } from '../lambda/key-gate-http';
import { type RequestRecorder, startRecorder } from './support/request-recorder';

// The key gate's requests on this Node's own fetch, against a local server: how undici treats a
// redirect is what keeps the key from following it.
const KEY_VALUE = 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P';

let recorder: RequestRecorder;
let base: string;

beforeAll(async () => {
  // /<status>[/<URL-encoded Location>] answers with that status, and that Location if given.
  recorder = await startRecorder((request, response) => {
    const [, code = '200', to = ''] = /^\/(\d{3})(?:\/(.*))?$/.exec(request.url ?? '') ?? [];
    response.writeHead(Number(code), to ? { location: decodeURIComponent(to) } : {}).end();
  });
  base = recorder.url;
});

afterAll(() => recorder.close());

beforeEach(() => {
  recorder.received.length = 0;
});

describe('getStatus', () => {
  it('resolves with the status the URL answers, having sent the headers', async () => {
    await expect(getStatus(`${base}/403`, { 'x-api-key': KEY_VALUE })).resolves.toBe(403);

    expect(recorder.received).toEqual([expect.objectContaining({ method: 'GET', url: '/403', key: KEY_VALUE })]);
  });

  it.each([301, 302, 303, 307, 308])('resolves with the real status of a %i redirect and sends no request to its Location', async (status) => {
    const target = encodeURIComponent(`${base}/200/collected`);

    await expect(getStatus(`${base}/${status}/${target}`, { 'x-api-key': KEY_VALUE })).resolves.toBe(status);

    expect(recorder.received.map((r) => r.url)).toEqual([`/${status}/${target}`]);
  });

  it('resolves with 0 when nothing answers', async () => {
    const closed = await startRecorder();
    await closed.close();

    await expect(getStatus(`${closed.url}/`, {})).resolves.toBe(0);
  });
});

describe('putAnswer', () => {
  it('PUTs the body with the empty Content-Type the URL is signed with', async () => {
    await putAnswer(`${base}/200`, '{"Status":"SUCCESS"}');

    expect(recorder.received).toEqual([{ method: 'PUT', url: '/200', key: undefined, contentType: '', body: '{"Status":"SUCCESS"}' }]);
  });

  it('rejects when the answer is refused, so the invocation fails and Lambda retries it', async () => {
    await expect(putAnswer(`${base}/403`, '{}')).rejects.toThrow('The answer to CloudFormation was refused with HTTP 403');
  });
});
