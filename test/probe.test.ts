import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probe } from '../lambda/probe';
import { statusAt } from '../lambda/verification';

let server: Server;
let url: string;

beforeAll(async () => {
  // An origin that accepts the request and never answers.
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pets`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the verifier's probe", () => {
  it('gives up on an origin that never answers, which the verifier counts as status 0', async () => {
    await expect(probe(200)(url)).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(statusAt(probe(200), url)).resolves.toBe(0);
  });
});
