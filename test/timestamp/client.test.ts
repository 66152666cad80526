import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import {
  createTimeStampRequest,
  loadCertificates,
  parseTimeStampRequest,
  rejectionResponse,
  requestTimeStamp,
  respondToTimeStampRequest,
  startLocalTsa,
  verifyTimeStamp,
} from '../../src/timestamp/index.js';
import { HELLO, makeRoot, makeTsa } from './helpers.js';

const root = makeRoot('Client Test Root', new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000));
const identity = makeTsa(root, { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000) });
const trusted = [{ name: 'test', roots: [root.cert] }];

async function serve(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function readBody(request: Parameters<RequestListener>[0]): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
  });
}

/** A TSA answering each request through `answer` (given the request DER). */
function tsaAnswering(answer: (request: Uint8Array) => Uint8Array | Promise<Uint8Array>, contentType = 'application/timestamp-reply'): RequestListener {
  return (request, response) => {
    void readBody(request).then(async (body) => {
      const reply = await answer(body);
      response.writeHead(200, { 'Content-Type': contentType }).end(reply);
    });
  };
}

async function expectFailure(promise: Promise<unknown>, kind: string, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${code}: nothing may be returned on failure`).toBeInstanceOf(PacketError);
  expect({ kind: (error as PacketError).kind, code: (error as PacketError).code }).toEqual({ kind, code });
}

describe('requestTimeStamp', () => {
  const servers: Server[] = [];
  const start = async (handler: RequestListener): Promise<string> => {
    const { url, server } = await serve(handler);
    servers.push(server);
    return url;
  };
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gets a checked, verified response from a good TSA and sends the right headers', async () => {
    let seenType: string | undefined;
    let seenAccept: string | undefined;
    const url = await start((request, response) => {
      seenType = request.headers['content-type'];
      seenAccept = request.headers.accept;
      void tsaAnswering((body) => respondToTimeStampRequest(body, identity, { time: new Date(), serial: Uint8Array.of(9) }))(request, response);
    });
    const response = await requestTimeStamp(url, HELLO, { timeoutMs: 5000, trusted });
    expect(seenType).toBe('application/timestamp-query');
    expect(seenAccept).toBe('application/timestamp-reply');
    expect(verifyTimeStamp(response, HELLO, trusted).code).toBe('OK');
  });

  it('works against the local TSA with its root as --tsa-ca, and with no CA at all (signature only)', async () => {
    const tsa = await startLocalTsa();
    try {
      const roots = loadCertificates(tsa.rootPem);
      expect(verifyTimeStamp(await requestTimeStamp(tsa.url, HELLO, { timeoutMs: 5000, trusted: [{ name: 'local', roots }] }), HELLO, [{ name: 'local', roots }]).ok).toBe(true);
      expect((await requestTimeStamp(tsa.url, HELLO, { timeoutMs: 5000 })).length).toBeGreaterThan(100);
      // A CA that did not issue the TSA: refused.
      await expectFailure(requestTimeStamp(tsa.url, HELLO, { timeoutMs: 5000, trusted }), 'input', 'TSA_TOKEN_INVALID');
    } finally {
      await tsa.close();
    }
  });

  it('unreachable TSA: environment TSA_UNREACHABLE', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000 }), 'environment', 'TSA_UNREACHABLE');
  });

  it('slow TSA: environment TSA_TIMEOUT', async () => {
    const url = await start(() => undefined); // never answers
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 200 }), 'environment', 'TSA_TIMEOUT');
  });

  it('HTTP 500: environment TSA_HTTP_ERROR', async () => {
    const url = await start((_request, response) => response.writeHead(500).end('boom'));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000 }), 'environment', 'TSA_HTTP_ERROR');
  });

  it('an HTML page: environment TSA_BAD_RESPONSE', async () => {
    const url = await start((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000 }), 'environment', 'TSA_BAD_RESPONSE');
  });

  it('garbage bytes: environment TSA_BAD_RESPONSE', async () => {
    const url = await start(tsaAnswering(() => Uint8Array.of(0x30, 0x82, 0xff, 0xff, 1, 2, 3)));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000 }), 'environment', 'TSA_BAD_RESPONSE');
  });

  it('an oversized answer: environment TSA_RESPONSE_TOO_LARGE', async () => {
    const url = await start(tsaAnswering(() => new Uint8Array(2 * 1024 * 1024)));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 5000 }), 'environment', 'TSA_RESPONSE_TOO_LARGE');
  });

  it('a rejection status: environment TSA_REJECTED', async () => {
    const url = await start(tsaAnswering(() => rejectionResponse('badAlg', 'no')));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000 }), 'environment', 'TSA_REJECTED');
  });

  it('a token for other data: input TSA_IMPRINT_MISMATCH', async () => {
    const url = await start(
      tsaAnswering((body) => {
        const nonce = parseTimeStampRequest(body).nonce;
        const other = new TextEncoder().encode('other');
        // Honest nonce, wrong data.
        return respondToTimeStampRequest(rewriteRequest(other, nonce), identity, { time: new Date(), serial: Uint8Array.of(1) });
      }),
    );
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000, trusted }), 'input', 'TSA_IMPRINT_MISMATCH');
  });

  it('a reply with another nonce: input TSA_NONCE_MISMATCH', async () => {
    const url = await start(tsaAnswering(() => respondToTimeStampRequest(rewriteRequest(HELLO, Uint8Array.of(1, 2, 3)), identity, { time: new Date(), serial: Uint8Array.of(1) })));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000, trusted }), 'input', 'TSA_NONCE_MISMATCH');
  });

  it('a reply with another policy than asked: refused by the TSA or the client', async () => {
    const tsa = await startLocalTsa({ policy: '1.2.3.4' });
    try {
      await expectFailure(requestTimeStamp(tsa.url, HELLO, { timeoutMs: 2000, policy: '1.2.3.5' }), 'environment', 'TSA_REJECTED');
    } finally {
      await tsa.close();
    }
    const url = await start(tsaAnswering((body) => respondToTimeStampRequest(rewriteRequest(HELLO, parseTimeStampRequest(body).nonce), { ...identity, policy: '1.2.3.4' }, { time: new Date(), serial: Uint8Array.of(1) })));
    await expectFailure(requestTimeStamp(url, HELLO, { timeoutMs: 2000, policy: '1.2.3.5' }), 'input', 'TSA_POLICY_MISMATCH');
  });

  it('a URL that is not http(s): usage TSA_URL_INVALID', async () => {
    await expectFailure(requestTimeStamp('ftp://example.test/', HELLO, { timeoutMs: 100 }), 'usage', 'TSA_URL_INVALID');
  });
});

/** A DER TimeStampReq for `data` carrying exactly `nonce` (content octets), built by our request codec. */
function rewriteRequest(data: Uint8Array, nonce: Uint8Array | undefined): Uint8Array {
  const value = nonce === undefined ? 1n : BigInt(`0x${Buffer.from(nonce).toString('hex')}`);
  return createTimeStampRequest(data, { nonce: value }).der;
}
