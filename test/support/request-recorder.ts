// A local HTTP server on 127.0.0.1 that records every request it receives, for tests of code
// that sends requests: nothing leaves the machine, and what was sent (or not) can be asserted.
import { once } from 'node:events';
import { type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method?: string;
  url?: string;
  /** The x-api-key header, when one was sent. */
  key?: string | string[];
  contentType?: string;
  body: string;
}

export interface RequestRecorder {
  url: string;
  /** Every request so far, oldest first; empty it between tests with `received.length = 0`. */
  received: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts the recorder; `respond` answers each request (by default 200 with no body). */
export async function startRecorder(respond: (request: RecordedRequest, response: ServerResponse) => void = (_, response) => response.end()): Promise<RequestRecorder> {
  const received: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const recorded = { method: request.method, url: request.url, key: request.headers['x-api-key'], contentType: request.headers['content-type'], body };
      received.push(recorded);
      respond(recorded, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
