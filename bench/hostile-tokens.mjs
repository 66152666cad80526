// Benchmark: packet verify on a packet whose time-stamps are stuffed to the documented limits
// (docs/limits.md, time-stamps): for each of SIGNERS pinned fingerprints a signature file and a
// token carrying MAX_TOKEN_CERTIFICATES certificates, 15 of them look-alike CA certificates
// with the largest RSA key allowed (8192 bits, public exponent 2^32 - 1) that "issue" the TSA
// certificate by name, so every one costs a signature verification (the TSA certificate comes
// from a CA the policy does not trust, so the path search tries them all). Compared in the same run
// with the same packet carrying plain tokens. Usage: node bench/hostile-tokens.mjs [--signers N]
// (after npm run build). Prints a Markdown table.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Name, SubjectPublicKeyInfo, TBSCertificate, Validity, Version } from '@peculiar/asn1-x509';
import { fmt, measure, ratio, BIN, ROOT } from './lib/measure.mjs';

const at = process.argv.indexOf('--signers');
const SIGNERS = at > 0 ? Number(process.argv[at + 1]) : 20;
const ts = await import(join(ROOT, 'dist/timestamp/index.js'));
const { addUnsealedFiles } = await import(join(ROOT, 'dist/packet/update.js'));
const { readPacket } = await import(join(ROOT, 'dist/packet/reader.js'));

const T0 = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const window = { notBefore: new Date(T0.getTime() - 10 * DAY), notAfter: new Date(T0.getTime() + 100 * DAY) };

function lookAlike(issuerCert, publicKey, signerKey) {
  const issuerName = AsnConvert.parse(issuerCert, Certificate).tbsCertificate.issuer;
  const algorithm = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
  const serial = randomBytes(12);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: issuerName,
    validity: new Validity(window),
    subject: issuerName,
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const signature = sign('sha256', new Uint8Array(tbsDer), { key: signerKey, dsaEncoding: 'der' });
  return new Uint8Array(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer })));
}

async function makePacket(work, name, fingerprints, tokenFor) {
  const packet = join(work, `${name}.packet.tar`);
  const r = measure(`build ${name}`, [BIN, 'build', '--quiet', '--time', '2026-02-01T00:00:00Z', '--out', packet, join(work, 'evidence')], { node: true, runs: 1 });
  void r;
  const reading = await readPacket(packet);
  const files = [];
  for (const fingerprint of fingerprints) {
    const signature = Buffer.from(`-----BEGIN PGP SIGNATURE-----\n\n${randomBytes(90).toString('base64')}\n-----END PGP SIGNATURE-----\n`);
    files.push({ dir: 'signatures', fingerprint, bytes: signature });
    files.push({ dir: 'timestamps', fingerprint, bytes: Buffer.from(tokenFor(signature)) });
  }
  await addUnsealedFiles(packet, reading.digest, files);
  return packet;
}

const work = mkdtempSync(join(tmpdir(), 'bench-tokens-'));
try {
  mkdirSync(join(work, 'evidence'));
  writeFileSync(join(work, 'evidence', 'apply.log'), 'step 1 ok\n');
  const rootPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const root = ts.buildCertificate({ commonName: 'Bench Root', publicKey: rootPair.publicKey, issuerKey: rootPair.privateKey, ca: true, ...window });
  const roguePair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rogue = ts.buildCertificate({ commonName: 'Bench Rogue CA', publicKey: roguePair.publicKey, issuerKey: roguePair.privateKey, ca: true, ...window });
  const tsaPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsaCert = ts.buildCertificate({ commonName: 'Bench TSA', publicKey: tsaPair.publicKey, issuerCert: rogue, issuerKey: roguePair.privateKey, ca: false, extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8'], critical: true }, ...window });
  const big = generateKeyPairSync('rsa', { modulusLength: ts.MAX_RSA_BITS, publicExponent: 2 ** 32 - 1 });
  const stuffing = Array.from({ length: ts.MAX_TOKEN_CERTIFICATES - 1 }, () => lookAlike(tsaCert, big.publicKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  const identity = { key: tsaPair.privateKey, cert: tsaCert };
  const stamp = (chain) => (data) => ts.respondToTimeStampRequest(ts.createTimeStampRequest(data).der, { ...identity, chain }, { time: T0, serial: Uint8Array.of(1) });

  const fingerprints = Array.from({ length: SIGNERS }, () => randomBytes(20).toString('hex').toUpperCase());
  writeFileSync(join(work, 'root.pem'), ts.toPem(root));
  writeFileSync(
    join(work, 'policy.yaml'),
    [
      'apiVersion: evidence-packet/v1',
      'kind: TrustPolicy',
      'signers:',
      ...fingerprints.map((f, i) => `  - { id: s${i}, name: Signer ${i}, roles: [r], fingerprints: ["${f}"] }`),
      'require: { signatures: 2, timestamps: true }',
      'tsa:',
      '  - { name: Bench, roots: [root.pem] }',
      '',
    ].join('\n'),
  );
  const plain = await makePacket(work, 'plain', fingerprints, stamp([]));
  const stuffed = await makePacket(work, 'stuffed', fingerprints, stamp(stuffing));
  const args = (packet) => [BIN, 'verify', '--quiet', '--policy', join(work, 'policy.yaml'), '--now', '2026-03-02T00:00:00Z', packet];
  const a = measure('packet verify, plain tokens', args(plain), { node: true, okCodes: [1] });
  const b = measure('packet verify, stuffed tokens', args(stuffed), { node: true, okCodes: [1] });
  console.log(`| measure (${SIGNERS} signatures with tokens; junk signatures) | time | compared with | ratio | target | peak RSS |`);
  console.log('|---|---|---|---|---|---|');
  console.log(`| verify, tokens stuffed to the limits | ${fmt(b.seconds)} | plain tokens ${fmt(a.seconds)} | ${ratio(b.seconds, a.seconds)} the time | < 10 s, < 300 MB | ${b.rssMiB} MiB |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
