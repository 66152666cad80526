import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic.js';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { inputError, usageError } from '../core/errors.js';
import { folderLockerConfig } from '../locker/config.js';
import { FolderBackend } from '../locker/folder.js';
import { pushPacket } from '../locker/push.js';
import { verifyLocker } from '../locker/verify.js';
import { formatRfc3339 } from '../core/time.js';
import type { Report } from '../core/result.js';
import { buildPacket } from '../packet/build.js';
import { signPacket } from '../ceremony/sign.js';
import { timestampPacket } from '../ceremony/timestamp.js';
import { startLocalTsa } from '../timestamp/index.js';
import { loadTrustPolicy, type TrustPolicy } from '../trust/index.js';
import { verifyPacket } from '../verify/verify.js';
import { hasGpg, makeGpgSigner, makeKeyFileSigner, stopGpgAgent } from './keys.js';
import { plural } from '../core/plural.js';

export interface DemoOptions {
  /** Project root holding examples/ and contracts/. */
  root: string;
  /** Folder to leave the results in (created; if it exists it must be an empty folder). */
  out: string;
  now: Date;
  /** One line per step, for the person watching. */
  say: (line: string) => void;
  /** Where the person runs the demo from: printed paths are relative to it. Default: process.cwd(). */
  cwd?: string;
  /** Optional contract validation step (the contracts module), run first. */
  validate?: () => Promise<Report>;
}

export interface DemoResult {
  out: string;
  packet: string;
  policy: string;
  report: Report;
  /** The contract validation report, when that step ran. */
  validation?: Report;
  commands: string[];
}

const EVIDENCE = 'examples/evidence/CHG-2041';

/**
 * The whole life cycle on the bundled examples, offline, in seconds: validate contracts, build a
 * redacted packet, a two-person ceremony (one key file through OpenPGP.js, one through gpg when
 * it is installed), time-stamps from a local TSA, and offline verification against a policy.
 * Private keys live only in a temporary folder that is removed at the end.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { say } = options;
  const out = resolve(options.out);
  await makeEmptyFolder(out);
  const secrets = await mkdtemp(join(tmpdir(), 'packet-demo-keys-'));
  const tsa = await startLocalTsa();
  let gnupgHome: string | undefined;
  try {
    let validation: Report | undefined;
    if (options.validate !== undefined) {
      validation = await options.validate();
      say(`1. validate  contracts/: ${validation.verdict.toUpperCase()} (${plural(validation.summary.fail, 'error', 'errors')}, ${plural(validation.summary.warn, 'warning', 'warnings')})`);
    }
    const packet = join(out, 'CHG-2041.packet.tar');
    const built = await buildPacket({
      inputs: [join(options.root, EVIDENCE)],
      out: packet,
      name: 'CHG-2041',
      created: options.now,
      tenant: 'acme',
      environment: 'prod',
      operation: 'CHG-2041',
      cwd: options.root,
    });
    const r = built.metadata.redaction;
    say(`2. build     ${rel(packet)}: ${plural(built.metadata.files.count, 'file', 'files')}, ${plural(r.total, 'secret', 'secrets')} redacted (${[...new Set(r.files.map((f) => f.rule))].join(', ')})`);
    say(`             digest sha256:${built.digest}`);

    // The people and their keys, then the auditor's policy pinning them (made before signing so
    // that the ceremony's progress can be shown against it).
    const alice = await makeKeyFileSigner(secrets, 'Alice Example', 'alice@example.com', 'demo-passphrase', options.now);
    const useGpg = await hasGpg();
    const bob = useGpg ? await makeGpgSigner(secrets, 'Bob Example', 'bob@example.com') : await makeKeyFileSigner(secrets, 'Bob Example', 'bob@example.com', 'demo-passphrase', options.now);
    if ('gnupgHome' in bob) gnupgHome = bob.gnupgHome;
    const rootPem = join(out, 'tsa-root.pem');
    await writeFileAtomic(rootPem, tsa.rootPem, 0o644, { replace: false });
    const policy = join(out, 'policy.yaml');
    await writeFileAtomic(policy, demoPolicy(alice.fingerprint, bob.fingerprint), 0o644, { replace: false });
    const loaded = await loadTrustPolicy(policy);

    await signPacket(packet, { kind: 'key-file', keyFile: alice.keyFile, passphrase: 'demo-passphrase' }, options.now);
    await timestampPacket(packet, { url: tsa.url, timeoutMs: 10_000, caFile: rootPem });
    say(`3. sign      alice (operator) with an OpenPGP key file, key ${alice.fingerprint}; time-stamped by a local TSA`);
    const halfway = await verifyPacket(packet, { now: new Date(), policy: loaded, unmet: 'warn', command: 'status' });
    const missing = (halfway.report.facts?.dualControl as { missingRoles: string[] } | undefined)?.missingRoles ?? [];
    say(`4. status    ${halfway.report.verdict.toUpperCase()}: 1 of 2 people; still missing role ${missing.join(', ')} (status exits 4)`);

    if ('gnupgHome' in bob) {
      await signPacket(packet, { kind: 'gpg', localUser: bob.fingerprint, env: { ...process.env, GNUPGHOME: bob.gnupgHome } }, new Date());
      say(`5. sign      bob (approver) through gpg, key ${bob.fingerprint}`);
    } else {
      await signPacket(packet, { kind: 'key-file', keyFile: bob.keyFile, passphrase: 'demo-passphrase' }, options.now);
      say(`5. sign      bob (approver) with an OpenPGP key file (gpg is not installed), key ${bob.fingerprint}`);
    }

    const stamped = await timestampPacket(packet, { url: tsa.url, timeoutMs: 10_000, caFile: rootPem });
    say(`6. timestamp ${plural(stamped.added.length, 'more RFC 3161 time-stamp', 'more RFC 3161 time-stamps')} from the local TSA (${tsa.url}), then the TSA stops`);
    await tsa.close();

    const verified = await verifyPacket(packet, { now: new Date(Date.now() + 1000), policy: loaded, unmet: 'warn' });
    say(`7. verify    offline against ${rel(policy)}: ${verified.report.verdict.toUpperCase()} (${plural(verified.report.summary.pass, 'check', 'checks')} passed, ${verified.report.summary.fail} failed)`);
    const locker = await pushToFolderLocker(join(out, 'locker'), packet, loaded);
    say(`8. locker    pushed to the folder locker ${rel(locker.dir)} (ledger entry ${locker.ledgerSeq}); locker verify: ${locker.report.verdict.toUpperCase()} (a folder has no WORM guarantee: S3 Object Lock is the real thing)`);
    const bin = `node ${rel(join(options.root, 'bin', 'packet.js'))}`;
    const commands = [
      `${bin} verify ${rel(packet)} --policy ${rel(policy)}`,
      `${bin} status ${rel(packet)} --policy ${rel(policy)}`,
      `${bin} inspect ${rel(packet)}`,
      `${bin} locker verify --folder ${rel(locker.dir)}`,
      `mkdir -p ${rel(out)}/unpacked && tar -xf ${rel(packet)} -C ${rel(out)}/unpacked   # then follow its VERIFY.md`,
    ];
    return { out, packet, policy, report: verified.report, commands, ...(validation === undefined ? {} : { validation }) };
  } finally {
    await tsa.close().catch(() => undefined);
    if (gnupgHome !== undefined) await stopGpgAgent(gnupgHome);
    await rm(secrets, { recursive: true, force: true });
  }

  /** Short when below the person's folder, absolute otherwise, so that it works when pasted. */
  function rel(path: string): string {
    const short = relative(options.cwd ?? process.cwd(), path);
    return short === '' ? '.' : short.startsWith('..') || isAbsolute(short) ? path : short;
  }
}

/**
 * Step 8: the packet goes into a folder locker (the embedded default: the same layout, index and
 * hash-linked ledger as S3 Object Lock, without its guarantee), and the locker is verified.
 */
async function pushToFolderLocker(dir: string, packet: string, policy: TrustPolicy): Promise<{ dir: string; ledgerSeq: number; report: Report }> {
  const config = folderLockerConfig(dir);
  const backend = new FolderBackend(dir);
  await backend.open();
  const now = new Date(Date.now() + 1000);
  const pushed = await pushPacket(backend, config, packet, { now, policy });
  if (!pushed.pushed || pushed.ledgerSeq === undefined) throw inputError('DEMO_LOCKER_PUSH_FAILED', `the demo packet was not pushed to the locker: ${pushed.report.verdict}`);
  const report = await verifyLocker(backend, { now });
  if (report.verdict !== 'pass') throw inputError('DEMO_LOCKER_VERIFY_FAILED', 'the demo locker did not verify');
  return { dir, ledgerSeq: pushed.ledgerSeq, report };
}

/** The demo never writes over anything: the folder must be new, or an empty folder. */
async function makeEmptyFolder(out: string): Promise<void> {
  try {
    await mkdir(out, { recursive: false });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw usageError('DEMO_OUT_UNUSABLE', `cannot create ${out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  const entries = await readdir(out).catch(() => undefined);
  if (entries === undefined) throw usageError('DEMO_OUT_NOT_A_FOLDER', `${out} exists and is not a folder`, { hint: 'pass --out with a new folder name' });
  // In the way, like any output already there (exit 1, docs/exit-codes.md); the demo has no --force.
  if (entries.length > 0) throw inputError('OUTPUT_EXISTS', `${out} already exists and is not empty; nothing was written`, { hint: 'pass --out with a new folder name, or remove the old demo folder' });
}

function demoPolicy(alice: string, bob: string): string {
  return `# Trust policy for the demo packet. An auditor keeps this file; it is never read from a packet.
apiVersion: evidence-packet/v1
kind: TrustPolicy
signers:
  - id: alice
    name: Alice Example
    roles: [operator]
    fingerprints: ["${alice}"]
  - id: bob
    name: Bob Example
    roles: [approver]
    fingerprints: ["${bob}"]
require:
  signatures: 2
  roles: [operator, approver]
  timestamps: true
tsa:
  - name: Demo local TSA
    roots: [tsa-root.pem]
`;
}

export function demoFolderName(now: Date): string {
  return `demo-${formatRfc3339(now).replace(/[-:]/g, '')}`;
}
