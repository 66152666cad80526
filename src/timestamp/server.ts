import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KeyObject, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadCertificates } from './certs.js';
import { createThrowawayTsaCredentials, loadPrivateKey, toPem } from './credentials.js';
import { MAX_REQUEST_BYTES, integerContent } from './request.js';
import { rejectionResponse, respondToTimeStampRequest, type TsaIdentity } from './tsa.js';

export interface LocalTsaOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** PEM private key and certificate of the TSA; both or neither. Without them, throw-away credentials are made. */
  key?: string | Uint8Array | KeyObject;
  cert?: string | Uint8Array;
  /** PEM/DER intermediates sent with tokens. */
  chain?: string | Uint8Array;
  policy?: string;
  /** The TSA's clock (the one place a real TSA reads the time). */
  now?: () => Date;
}

export interface LocalTsa {
  url: string;
  /** PEM of the root that anchors this TSA's tokens (the throw-away root, or the last chain/cert given). */
  rootPem: string;
  close(): Promise<void>;
}

/** Run a real RFC 3161 TSA over HTTP on loopback (RFC 3161 sec. 3.4 transport) for demos and tests. */
export async function startLocalTsa(options: LocalTsaOptions = {}): Promise<LocalTsa> {
  const now = options.now ?? (() => new Date());
  const { identity, rootPem } = resolveIdentity(options, now());
  let serial = BigInt(`0x${randomBytes(6).toString('hex')}`) + 1n;
  const server = createServer((request, response) => {
    handle(request, response, (body) => {
      serial += 1n;
      return respondToTimeStampRequest(body, identity, { time: now(), serial: integerContent(serial) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    rootPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function resolveIdentity(options: LocalTsaOptions, now: Date): { identity: TsaIdentity; rootPem: string } {
  const chain = options.chain === undefined ? [] : loadCertificates(options.chain);
  if (options.key === undefined && options.cert === undefined) {
    const credentials = createThrowawayTsaCredentials({ now });
    const identity: TsaIdentity = { key: loadPrivateKey(credentials.tsaKeyPem), cert: credentials.tsaCertDer, chain };
    if (options.policy !== undefined) identity.policy = options.policy;
    return { identity, rootPem: credentials.rootCertPem };
  }
  if (options.key === undefined || options.cert === undefined) throw new Error('give both the TSA key and certificate, or neither');
  const key = options.key instanceof KeyObject ? options.key : loadPrivateKey(options.key);
  const cert = loadCertificates(options.cert)[0]!;
  const identity: TsaIdentity = { key, cert, chain };
  if (options.policy !== undefined) identity.policy = options.policy;
  return { identity, rootPem: toPem(chain[chain.length - 1] ?? cert) };
}

function handle(request: IncomingMessage, response: ServerResponse, answer: (body: Uint8Array) => Uint8Array): void {
  if (request.method !== 'POST') {
    response.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' }).end('POST a TimeStampReq\n');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  request.on('end', () => {
    const reply = tooLarge ? rejectionResponse('badRequest', 'request too large') : answer(new Uint8Array(Buffer.concat(chunks)));
    response.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': reply.length }).end(reply);
  });
  request.on('error', () => response.destroy());
}
