/**
 * Making a detached signature over exact bytes, two ways: with an armored private key file
 * (OpenPGP.js) or through the local gpg (gpg-agent, hardware tokens). Either way the result is
 * checked with our own verifier before it is returned, so we never hand out a signature that
 * `packet verify` would later refuse. Passphrases are passed in by the caller and never logged,
 * stored or put in an error message.
 */
import { formatRfc3339 } from '../core/time.js';
import { spawn } from 'node:child_process';
import * as openpgp from 'openpgp';
import { environmentError, inputError } from '../core/errors.js';
import { SigningCode } from './codes.js';
import { checkKeyCurves, checkKeyVersion, countArmorBlocks, errorText, KeyRuleError, MAX_KEY_BYTES, primaryFingerprint } from './keys.js';
import { inspectGpgKey, type KeyIdentity } from './gpg-keys.js';
import { parseDetachedSignature } from './signature-file.js';
import { verifyDetachedSignature } from './verify.js';

export interface SignOutcome {
  /** Primary fingerprint, 40 upper-case hex: the name of `signatures/<FPR>.asc`. */
  fingerprint: string;
  /** Canonical armor of the detached signature. */
  signatureArmored: string;
  /** The signer's public key (never private material). */
  publicKeyArmored: string;
  /** The creation time inside the signature. */
  created: Date;
}

/**
 * Called with the key's identity before any passphrase or PIN is asked for; throws to refuse
 * (for example a key the trust policy does not pin).
 */
export type KeyGate = (identity: KeyIdentity) => void;

export async function signWithKeyFile(
  data: Uint8Array,
  /** The key file: armored text, or its bytes (armored or binary, as gpg --export-secret-keys writes). */
  privateKey: string | Uint8Array,
  /** The passphrase, or a source asked for it only when the key turns out to be protected (a prompt, say). */
  passphrase: PassphraseInput,
  options: { date: Date; gate?: KeyGate },
): Promise<SignOutcome> {
  const size = typeof privateKey === 'string' ? privateKey.length : privateKey.byteLength;
  if (size > MAX_KEY_BYTES) throw inputError(SigningCode.KEY_TOO_LARGE, 'the key file is too large to be an OpenPGP key');
  const binary = typeof privateKey !== 'string' && isBinaryKey(privateKey) ? privateKey : undefined;
  const armored = binary === undefined ? (typeof privateKey === 'string' ? privateKey : Buffer.from(privateKey).toString('utf8')) : '';
  let key: openpgp.PrivateKey;
  try {
    // OpenPGP.js reads the first armor block or key only; a file of several keys is refused, not misread.
    const keys = binary !== undefined ? await openpgp.readPrivateKeys({ binaryKeys: binary }) : await openpgp.readPrivateKeys({ armoredKeys: armored });
    const count = Math.max(keys.length, countArmorBlocks(armored));
    if (count !== 1) {
      throw inputError(SigningCode.KEY_FILE_MULTIPLE_KEYS, `the key file holds ${count} keys; give a file with exactly one`, {
        hint: 'export one key with `gpg --armor --export-secret-keys <fingerprint>`',
      });
    }
    key = keys[0] as openpgp.PrivateKey;
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === SigningCode.KEY_FILE_MULTIPLE_KEYS) throw error;
    // OpenPGP.js says "not of type private key" when handed a public key.
    const code = /private key/i.test(errorText(error)) ? SigningCode.KEY_NOT_PRIVATE : SigningCode.KEY_MALFORMED;
    throw inputError(code, code === SigningCode.KEY_NOT_PRIVATE ? 'the key file holds no private key' : 'the key file is not a readable OpenPGP private key', {
      hint: 'export it with `gpg --armor --export-secret-keys <id>`',
    });
  }
  try {
    checkKeyVersion(key, 'the key file');
    checkKeyCurves(key, 'the key file');
  } catch (error) {
    if (error instanceof KeyRuleError) throw inputError(error.code, error.message);
    throw error;
  }
  options.gate?.({ fingerprint: primaryFingerprint(key), subkeys: key.subkeys.map((subkey) => subkey.getFingerprint().toUpperCase()) });
  if (!key.isDecrypted()) key = await unlock(key, passphrase, options.date);
  let signatureArmored: string;
  try {
    const message = await openpgp.createMessage({ binary: data });
    signatureArmored = await openpgp.sign({
      message,
      signingKeys: key,
      detached: true,
      format: 'armored',
      date: options.date,
      config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 },
    });
  } catch (error) {
    throw inputError(SigningCode.KEY_NOT_VALID_FOR_SIGNING, `the key cannot sign at ${formatRfc3339(options.date)} (${errorText(error)})`, {
      hint: 'check that the key is neither expired nor revoked and has a signing-capable key',
    });
  }
  const publicKeyArmored = key.toPublic().armor();
  return checkedOutcome(data, signatureArmored, publicKeyArmored, primaryFingerprint(key), options.date);
}

/** Who a passphrase is asked for (a prompt shows it). */
export interface PassphraseRequest {
  /** Primary fingerprint, 40 upper-case hex. */
  fingerprint: string;
  /** The key's primary user id as written in the key file: untrusted text, escape it before showing. */
  userId?: string;
  /** 1 for the first try, 2 after one wrong passphrase, and so on. */
  attempt: number;
}

/** Where passphrases come from; asked only once the key turns out to be protected. */
export interface PassphraseSource {
  /** Named when a passphrase is wrong: "$PACKET_PASSPHRASE", "--passphrase-file FILE", "the prompt". */
  origin: string;
  /** How many passphrases may be tried (a prompt on a terminal: 3; a file or a variable: 1). */
  tries: number;
  /** The next passphrase to try, or undefined when there is none. */
  next(request: PassphraseRequest): Promise<string | undefined>;
}

export type PassphraseInput = string | undefined | PassphraseSource;

/**
 * Decrypt a protected key, trying up to `tries` passphrases from the source. The error for a
 * wrong one says where it came from (never what it was); OpenPGP.js's cause is dropped, since
 * it could echo key material.
 */
async function unlock(key: openpgp.PrivateKey, input: PassphraseInput, date: Date): Promise<openpgp.PrivateKey> {
  const source: PassphraseSource = typeof input === 'object' ? input : { origin: 'the caller', tries: 1, next: async () => input };
  const fingerprint = primaryFingerprint(key);
  const userId = await primaryUserId(key, date);
  for (let attempt = 1; ; attempt += 1) {
    const passphrase = await source.next({ fingerprint, ...(userId === undefined ? {} : { userId }), attempt });
    if (passphrase === undefined || passphrase === '') {
      if (attempt > 1) throw wrongPassphrase(source, attempt - 1, fingerprint);
      throw inputError(SigningCode.PASSPHRASE_REQUIRED, `the private key ${fingerprint} is protected by a passphrase`, {
        hint: 'give it with --passphrase-file or $PACKET_PASSPHRASE (or type it at the prompt on a terminal), never on the command line',
      });
    }
    try {
      return await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      if (attempt >= source.tries) throw wrongPassphrase(source, attempt, fingerprint);
    }
  }
}

function wrongPassphrase(source: PassphraseSource, tries: number, fingerprint: string): Error {
  const what = tries > 1 ? `${tries} passphrases from ${source.origin} do not` : `the passphrase from ${source.origin} does not`;
  return inputError(SigningCode.PASSPHRASE_WRONG, `${what} unlock the private key ${fingerprint}`, {
    hint: source.origin.startsWith('$') || source.origin.startsWith('--') ? `check ${source.origin}: it must hold exactly this key's passphrase` : 'check that this is the key you mean to sign with',
  });
}

/** The user id to show beside the fingerprint: the primary one where the key says so, else the first. */
async function primaryUserId(key: openpgp.PrivateKey, date: Date): Promise<string | undefined> {
  const primary = await key.getPrimaryUser(date).catch(() => undefined);
  return primary?.user.userID?.userID ?? key.users.find((user) => user.userID !== null)?.userID?.userID;
}

/** Binary OpenPGP packets start with a byte whose top bit is set; armor starts with text. */
function isBinaryKey(bytes: Uint8Array): boolean {
  const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
  return first !== undefined && (first & 0x80) !== 0;
}

/** Verify what was just made with the same rules `packet verify` applies. */
async function checkedOutcome(data: Uint8Array, signature: string, publicKeyArmored: string, fingerprint: string, now: Date): Promise<SignOutcome> {
  const verification = await verifyDetachedSignature(data, signature, [{ source: 'signer key', armored: publicKeyArmored }], { now });
  if (!verification.ok || verification.primaryFingerprint !== fingerprint || verification.created === undefined) {
    throw inputError(SigningCode.SIGNED_RESULT_REJECTED, `the new signature would not pass verification: ${verification.message}`, {
      hint: `reason ${verification.code}; use an RSA (3072 bits or more) or Ed25519 v4 key with SHA-256 or stronger`,
    });
  }
  const parsed = await parseDetachedSignature(signature);
  return { fingerprint, signatureArmored: parsed.armored, publicKeyArmored, created: verification.created };
}

export interface GpgSignOptions {
  /** gpg --local-user: which key to sign with. */
  localUser?: string;
  /** The gpg binary; default `gpg`. */
  gpgBinary?: string;
  /** Environment for gpg (GNUPGHOME, GPG_TTY, ...); default the process environment. */
  env?: NodeJS.ProcessEnv;
  /** Reference time for checking the result (a signature from the future is refused). */
  now: Date;
  /** Checked before gpg is asked to sign (before any PIN or passphrase prompt), and on the result. */
  gate?: KeyGate;
}

const MAX_GPG_OUTPUT = 4 * 1024 * 1024;

/**
 * `gpg --detach-sign --armor` in binary mode (not --textmode, so the signed bytes are exactly
 * `data`) with the digest the signing key needs (SHA-256, SHA-384 for NIST P-384), then
 * `gpg --export --armor` of the primary key that signed. The key is looked up first
 * (`--list-secret-keys`), so a key on a curve we refuse, or one the gate refuses, fails before
 * gpg asks for a PIN.
 */
export async function signWithGpg(data: Uint8Array, options: GpgSignOptions): Promise<SignOutcome> {
  const gpg = options.gpgBinary ?? 'gpg';
  const env = options.env ?? process.env;
  const listing = new TextDecoder().decode(
    await runGpg(gpg, ['--batch', '--no-tty', '--with-colons', '--fixed-list-mode', '--list-secret-keys', ...(options.localUser === undefined ? [] : ['--', options.localUser])], env, undefined),
  );
  const planned = inspectGpgKey(listing, options.localUser);
  options.gate?.(planned.identity);
  const signArgs = ['--batch', '--no-tty', '--yes', '--armor', '--detach-sign', '--digest-algo', planned.digest, '--output', '-'];
  if (options.localUser !== undefined) signArgs.push('--local-user', options.localUser);
  const signed = await runGpg(gpg, signArgs, env, data);
  const parsed = await (async () => {
    try {
      return await parseDetachedSignature(signed);
    } catch (error) {
      throw environmentError(SigningCode.GPG_FAILED, `gpg produced no usable signature (${errorText(error)})`);
    }
  })();
  const issuer = parsed.issuerFingerprints[0] ?? parsed.issuerKeyIds[0];
  if (issuer === undefined) throw environmentError(SigningCode.GPG_FAILED, 'gpg produced a signature without issuer');
  // Exporting by a subkey fingerprint exports the whole key, so the primary comes with it.
  const exported = new TextDecoder().decode(await runGpg(gpg, ['--batch', '--no-tty', '--armor', '--export-options', 'export-minimal', '--export', issuer], env, undefined));
  let key: openpgp.PublicKey;
  try {
    key = (await openpgp.readKey({ armoredKey: exported })) as openpgp.PublicKey;
  } catch (error) {
    throw environmentError(SigningCode.GPG_FAILED, `gpg did not export the public key ${issuer} (${errorText(error)})`);
  }
  options.gate?.({ fingerprint: primaryFingerprint(key), subkeys: key.subkeys.map((subkey) => subkey.getFingerprint().toUpperCase()) });
  return checkedOutcome(data, parsed.armored, key.armor(), primaryFingerprint(key), options.now);
}

function runGpg(gpg: string, args: string[], env: NodeJS.ProcessEnv, input: Uint8Array | undefined): Promise<Uint8Array> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(gpg, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_GPG_OUTPUT) child.kill();
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 8192) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(environmentError(SigningCode.GPG_NOT_FOUND, `cannot run ${gpg}: it is not installed or not on PATH`, { hint: 'install GnuPG 2.2 or sign with --key' }));
      } else {
        reject(environmentError(SigningCode.GPG_FAILED, `cannot run ${gpg}`, { cause: error }));
      }
    });
    child.on('close', (code) => {
      if (code === 0 && outBytes <= MAX_GPG_OUTPUT) {
        resolvePromise(Buffer.concat(out));
        return;
      }
      const detail = err.trim().split('\n').slice(-3).join('; ');
      const step = args.includes('--detach-sign') ? 'signing' : args.includes('--list-secret-keys') ? 'key lookup' : 'export';
      reject(environmentError(SigningCode.GPG_FAILED, `${gpg} ${step} failed (exit ${code ?? 'signal'})${detail ? `: ${detail}` : ''}`, {
        hint: 'check the key id (--local-user), gpg-agent and the token',
      }));
    });
    child.stdin.on('error', () => undefined); // gpg may exit before reading everything
    child.stdin.end(input === undefined ? undefined : Buffer.from(input));
  });
}
