/**
 * `packet timestamp` error paths: a clear error, the right exit code, and nothing written
 * (the packet file is byte-identical and no stray file is left beside it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { timestampPacket } from '../../src/ceremony/index.js';
import {
  createThrowawayTsaCredentials,
  createTimeStampRequest,
  loadPrivateKey,
  parseTimeStampRequest,
  respondToTimeStampRequest,
  type TsaIdentity,
} from '../../src/timestamp/index.js';
import { runCli } from '../helpers/cli.js';
import { aliceSigns, build, makeCeremony, sha256File, type Ceremony } from './fixture.js';

let c: Ceremony;
let packet: string;
beforeAll(async () => {
  c = await makeCeremony();
  packet = await build(c, join(c.dir, 'op.packet.tar'));
  const signed = await aliceSigns(c, packet);
  expect(signed.code, signed.stderr).toBe(0);
});
afterAll(async () => {
  await c.cleanup();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `packet timestamp` against url and checks that nothing was written. */
async function expectRefused(url: string, exitCode: number, code: string): Promise<void> {
  const before = sha256File(packet);
  const entries = readdirSync(c.dir).sort();
  const run = await runCli(['timestamp', packet, '--tsa', url, '--timeout', '5', '--format', 'json']);
  expect(run.code, run.stderr).toBe(exitCode);
  expect(JSON.parse(run.stdout)).toMatchObject({ command: 'timestamp', error: { code } });
  expect(run.stderr).toMatch(/^packet: [a-z]/);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  await expect(timestampPacket(packet, { url, timeoutMs: 5000 })).rejects.toMatchObject({ code });
  expect(sha256File(packet)).toBe(before);
  expect(readdirSync(c.dir).sort()).toEqual(entries);
}

describe('packet timestamp refuses and writes nothing', () => {
  test('TSA unreachable: exit 3, TSA_UNREACHABLE', async () => {
    const closed = await serve(() => undefined);
    await closed.close(); // the port is now free: nothing listens there
    await expectRefused(closed.url, 3, 'TSA_UNREACHABLE');
  });

  test('a server answering an HTML page: exit 3, TSA_BAD_RESPONSE', async () => {
    const html = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><html><body>Welcome</body></html>');
    });
    try {
      await expectRefused(html.url, 3, 'TSA_BAD_RESPONSE');
    } finally {
      await html.close();
    }
  });

  test('HTML without a text/* content type still is no TimeStampResp: exit 3, TSA_BAD_RESPONSE', async () => {
    const html = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end('<html><body>Welcome</body></html>');
    });
    try {
      await expectRefused(html.url, 3, 'TSA_BAD_RESPONSE');
    } finally {
      await html.close();
    }
  });

  test('a granted token for other data (right nonce, wrong imprint): exit 1, TSA_IMPRINT_MISMATCH', async () => {
    const credentials = createThrowawayTsaCredentials({ now: new Date() });
    const identity: TsaIdentity = { key: loadPrivateKey(credentials.tsaKeyPem), cert: credentials.tsaCertDer, chain: [] };
    const liar = await serve((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const asked = parseTimeStampRequest(new Uint8Array(Buffer.concat(chunks)));
        const nonce = BigInt(`0x${Buffer.from(asked.nonce ?? Uint8Array.of(0)).toString('hex')}`);
        const other = createTimeStampRequest(new TextEncoder().encode('some other signature'), { nonce });
        const reply = respondToTimeStampRequest(other.der, identity, { time: new Date(), serial: Uint8Array.of(7) });
        response.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(Buffer.from(reply));
      });
    });
    try {
      await expectRefused(liar.url, 1, 'TSA_IMPRINT_MISMATCH');
    } finally {
      await liar.close();
    }
  });

  test('a packet without signatures: exit 1, SIGNATURE_MISSING, no request made, nothing written', async () => {
    const unsigned = await build(c, join(c.dir, 'unsigned.packet.tar'));
    const before = sha256File(unsigned);
    let requests = 0;
    const counting = await serve((_req, res) => {
      requests += 1;
      res.writeHead(500).end();
    });
    try {
      const run = await runCli(['timestamp', unsigned, '--tsa', counting.url, '--format', 'json']);
      expect(run.code, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ command: 'timestamp', error: { code: 'SIGNATURE_MISSING' } });
      expect(run.stderr).toContain("hint: sign it first");
    } finally {
      await counting.close();
    }
    expect(requests).toBe(0);
    expect(sha256File(unsigned)).toBe(before);
  });

  test('after all refusals, the real local TSA still stamps the packet (exit 0)', async () => {
    const run = await runCli(['timestamp', packet, '--tsa', c.tsa.url, '--tsa-ca', c.rootFile, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { facts: { added: string[] } }).facts.added).toEqual([`timestamps/${c.alice.fingerprint}.tsr`]);
  });
});
