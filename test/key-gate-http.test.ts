import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, putAnswer } from '../lambda/key-gate-http';

// The key gate's requests on this Node's own fetch, against a local server: how undici treats a
// redirect is what keeps the key from following it.
const KEY_VALUE = 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P';

interface Received {
  method?: string;
  path?: string;
  key?: string | string[];
  contentType?: string;
  body: string;
}

let server: Server;
let base: string;
let received: Received[];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method, path: request.url, key: request.headers['x-api-key'], contentType: request.headers['content-type'], body });
      const [, code = '200', to = ''] = /^\/(\d{3})(?:\/(.*))?$/.exec(request.url ?? '') ?? [];
      response.writeHead(Number(code), to ? { location: decodeURIComponent(to) } : {}).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  received = [];
});

describe('getStatus', () => {
  it('resolves with the status the URL answers, having sent the headers', async () => {
    await expect(getStatus(`${base}/403`, { 'x-api-key': KEY_VALUE })).resolves.toBe(403);

    expect(received).toEqual([expect.objectContaining({ method: 'GET', path: '/403', key: KEY_VALUE })]);
  });

  it.each([301, 302, 303, 307, 308])('resolves with the real status of a %i redirect and sends no request to its Location', async (status) => {
    const target = encodeURIComponent(`${base}/200/collected`);

    await expect(getStatus(`${base}/${status}/${target}`, { 'x-api-key': KEY_VALUE })).resolves.toBe(status);

    expect(received.map((r) => r.path)).toEqual([`/${status}/${target}`]);
  });

  it('resolves with 0 when nothing answers', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));

    await expect(getStatus(url, {})).resolves.toBe(0);
  });
});

describe('putAnswer', () => {
  it('PUTs the body with the empty Content-Type the URL is signed with', async () => {
    await putAnswer(`${base}/200`, '{"Status":"SUCCESS"}');

    expect(received).toEqual([{ method: 'PUT', path: '/200', key: undefined, contentType: '', body: '{"Status":"SUCCESS"}' }]);
  });

  it('rejects when the answer is refused, so the invocation fails and Lambda retries it', async () => {
    await expect(putAnswer(`${base}/403`, '{}')).rejects.toThrow('The answer to CloudFormation was refused with HTTP 403');
  });
});
