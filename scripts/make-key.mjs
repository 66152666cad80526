#!/usr/bin/env node
// Make an OpenPGP v4 signing key with OpenPGP.js, for people who sign with a key file and have
// no gpg: NAME.key.asc (the private key, passphrase-protected, mode 0600) and NAME.pub.asc (the
// public key, for the auditor's policy). Prints the primary fingerprint to pin.
//
//   PACKET_PASSPHRASE=... node scripts/make-key.mjs --name 'Alice Example' --email alice@example.com --out alice
//   node scripts/make-key.mjs --name ... --email ... --out alice --passphrase-file FILE [--curve p256] [--expires 365]
//
// The passphrase comes from --passphrase-file or $PACKET_PASSPHRASE, never from the command line.
// Existing files are never overwritten.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as openpgp from 'openpgp';

const USAGE = 'usage: node scripts/make-key.mjs --name NAME --email EMAIL --out PREFIX [--curve ed25519|p256|p384|rsa3072] [--expires DAYS] [--passphrase-file FILE]';
const CURVES = {
  ed25519: { type: 'ecc', curve: 'ed25519Legacy' },
  p256: { type: 'ecc', curve: 'nistP256' },
  p384: { type: 'ecc', curve: 'nistP384' },
  rsa3072: { type: 'rsa', rsaBits: 3072 },
};

function fail(message, hint, code = 2) {
  process.stderr.write(`packet: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: { name: { type: 'string' }, email: { type: 'string' }, out: { type: 'string' }, curve: { type: 'string', default: 'ed25519' }, expires: { type: 'string', default: '365' }, 'passphrase-file': { type: 'string' } },
  }));
} catch (error) {
  fail(error.message.toLowerCase(), USAGE);
}
if (!values.name || !values.email || !values.out) fail('--name, --email and --out are required', USAGE);
const algorithm = CURVES[values.curve];
if (algorithm === undefined) fail(`--curve must be one of ${Object.keys(CURVES).join(', ')}, got "${values.curve}"`);
if (!/^\d{1,5}$/.test(values.expires)) fail(`--expires takes a number of days (0: never), got "${values.expires}"`);

let passphrase = process.env.PACKET_PASSPHRASE;
if (values['passphrase-file'] !== undefined) {
  try {
    passphrase = readFileSync(values['passphrase-file'], 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    fail(`passphrase file ${values['passphrase-file']} cannot be read (${error.code ?? error.message})`);
  }
}
if (!passphrase) fail('no passphrase: a key file is protected by one', 'set PACKET_PASSPHRASE (read -rs PACKET_PASSPHRASE; export PACKET_PASSPHRASE) or give --passphrase-file FILE');

for (const file of [`${values.out}.key.asc`, `${values.out}.pub.asc`]) {
  if (existsSync(file)) fail(`${file} already exists`, 'choose another --out; existing keys are never overwritten', 3);
}
const { privateKey, publicKey } = await openpgp.generateKey({
  ...algorithm,
  userIDs: [{ name: values.name, email: values.email }],
  passphrase,
  keyExpirationTime: Number(values.expires) * 86400,
  format: 'armored',
  config: { v6Keys: false },
});
const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
try {
  writeFileSync(`${values.out}.key.asc`, privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(`${values.out}.pub.asc`, publicKey, { mode: 0o644, flag: 'wx' });
} catch (error) {
  fail(`cannot write ${error.path ?? values.out} (${error.code ?? error.message})`, error.code === 'EEXIST' ? 'choose another --out; existing keys are never overwritten' : undefined, 3);
}
process.stdout.write(`${values.out}.key.asc  private key (keep it secret)\n${values.out}.pub.asc  public key\nfingerprint ${fingerprint}\n`);
