/**
 * Where the documented commands run: a temporary copy of the repository (node_modules and dist
 * linked, evidence/ empty) with `packet` on PATH, a private HOME and GNUPGHOME, and the named
 * fixtures a block's marker `needs`. The reader's typing is stood in for by $PACKET_PASSPHRASE
 * and by a pinentry that answers gpg-agent with the same test passphrase.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { twoPersonPolicy } from '../helpers/policy.js';
import type { Fixture } from './blocks.js';

export const TEST_PASSPHRASE = 'correct horse battery staple';
const BLOCK_TIMEOUT_MS = 45_000;
/** Not copied: installed or built (linked instead), or output of earlier runs. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'coverage', '.bench-work']);

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  root: string;
  env: NodeJS.ProcessEnv;
  prepare(needs: Fixture[]): Promise<void>;
  run(script: string): Promise<ScriptRun>;
  cleanup(): Promise<void>;
}

export function makeWorkspace(): Workspace {
  const base = mkdtempSync(join(tmpdir(), 'doc-test-'));
  const root = join(base, 'repo');
  cpSync(PROJECT_ROOT, root, {
    recursive: true,
    filter: (source) => {
      const path = relative(PROJECT_ROOT, source);
      if (path === '') return true;
      const [top] = path.split(sep);
      if (NOT_COPIED.has(top as string)) return false;
      return !(top === 'evidence' && path !== 'evidence' && path !== join('evidence', '.gitkeep'));
    },
  });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(PROJECT_ROOT, 'dist'), join(root, 'dist'));
  const bin = join(base, 'bin');
  const home = join(base, 'home');
  const gnupg = join(base, 'gnupg');
  mkdirSync(bin);
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(gnupg, { mode: 0o700 });
  writeExecutable(join(bin, 'packet'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'bin/packet.js'))} "$@"\n`);
  // A pinentry speaking just enough Assuan for gpg-agent: every question is answered OK, every
  // PIN or passphrase request with the test passphrase (as the signer would type it).
  writeExecutable(
    join(bin, 'pinentry-test'),
    `#!/bin/sh\necho 'OK pinentry for the documentation tests'\nwhile IFS= read -r line; do\n  case "$line" in\n    GETPIN*) printf 'D %s\\nOK\\n' '${TEST_PASSPHRASE}' ;;\n    BYE*) echo OK; exit 0 ;;\n    *) echo OK ;;\n  esac\ndone\n`,
  );
  // A low S2K count: the agent otherwise calibrates key protection to take ~100 ms per use, which
  // on a loaded machine made each key generation take seconds. Only ever for these test keys.
  writeFileSync(join(gnupg, 'gpg-agent.conf'), `pinentry-program ${join(bin, 'pinentry-test')}\ns2k-count 65536\n`);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    GNUPGHOME: gnupg,
    PACKET_PASSPHRASE: TEST_PASSPHRASE,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
  };
  let tsa: LocalTsa | undefined;
  const prepared = new Set<Fixture>();

  const run = (script: string): Promise<ScriptRun> => runBash(script, root, env);
  const must = async (what: string, script: string): Promise<string> => {
    const result = await run(script);
    if (result.code !== 0) throw new Error(`doc-test fixture ${what} failed (exit ${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  };

  async function prepareOne(fixture: Fixture): Promise<void> {
    if (prepared.has(fixture)) return;
    prepared.add(fixture);
    switch (fixture) {
      case 'signers': {
        // alice signs with an OpenPGP.js key file; bob and carol through gpg (as docs/ceremony.md makes them).
        const out = await must(
          'signers',
          `node scripts/make-key.mjs --name 'Alice Example' --email alice@example.com --out alice >/dev/null
for who in 'Bob Example <bob@example.com>' 'Carol Example <carol@example.com>'; do gpg --batch --quiet --quick-gen-key "$who" ed25519 sign 1y 2>/dev/null; done
gpg --armor --export bob@example.com > bob.pub.asc
gpg --armor --export carol@example.com > carol.pub.asc
gpg --show-keys --with-colons alice.pub.asc bob.pub.asc carol.pub.asc | awk -F: '/^fpr/ && prev == "pub" { print $10 } { prev = $1 }'`,
        );
        const [alice, bob, carol] = out.trim().split('\n');
        if (![alice, bob, carol].every((f) => /^[0-9A-F]{40}$/.test(f ?? ''))) throw new Error(`doc-test fixture signers: unexpected fingerprints ${out}`);
        Object.assign(env, { ALICE_FPR: alice, BOB_FPR: bob, CAROL_FPR: carol });
        return;
      }
      case 'tsa': {
        tsa = await startLocalTsa();
        writeFileSync(join(root, 'tsa-root.pem'), tsa.rootPem);
        env.TSA_URL = tsa.url;
        return;
      }
      case 'policy': {
        await prepareOne('signers');
        await prepareOne('tsa');
        writeFileSync(join(root, 'policy.yaml'), twoPersonPolicy(env.ALICE_FPR as string, env.BOB_FPR as string, { tsaName: 'Local development TSA' }));
        return;
      }
      case 'locker': {
        writeFileSync(join(root, 'locker.yaml'), 'apiVersion: evidence-packet/v1\nkind: Locker\nbackend: folder\nfolder: { path: locker }\nretention: { default: { mode: GOVERNANCE, days: 1 } }\n');
        return;
      }
      case 'packet': {
        await prepareOne('policy');
        await must(
          'packet',
          `packet build --out CHG-2041.packet.tar --tenant acme --env prod --operation CHG-2041 --time 2026-03-02T10:00:00Z examples/evidence/CHG-2041/ >/dev/null
packet sign CHG-2041.packet.tar --key alice.key.asc >/dev/null
packet sign CHG-2041.packet.tar --gpg --local-user bob@example.com >/dev/null
packet timestamp CHG-2041.packet.tar --tsa "$TSA_URL" --tsa-ca tsa-root.pem >/dev/null`,
        );
        return;
      }
    }
  }

  return {
    root,
    env,
    run,
    async prepare(needs) {
      for (const fixture of needs) await prepareOne(fixture);
    },
    async cleanup() {
      await tsa?.close().catch(() => undefined);
      await runBash('gpgconf --kill all', base, env).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/**
 * `bash -e -o pipefail` in its own process group (so that a timeout ends everything it started),
 * asynchronously: the local TSA answers from this very process.
 */
export function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\ndoc-test: timed out after ${BLOCK_TIMEOUT_MS / 1000} s`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, BLOCK_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? -1 : 128), stdout, stderr });
    });
  });
}
