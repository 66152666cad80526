/**
 * `packet demo` (issue 6): the whole life cycle with no network, each step printed, results left
 * in the folder it names, no private key material left there, and the packet verifies again.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { BIN, makeTempDir, runBin, runCli } from '../helpers/cli.js';
import { pdfPageCount, requireChromium, runChromium, SKIP_BROWSER, warnIfSkipped } from '../report/chromium.js';

warnIfSkipped("printing the demo's working paper");

/** A network namespace with only loopback, when this machine allows one (root or user namespaces). */
const CAN_ISOLATE = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { encoding: 'utf8' }).status === 0;

let base: { path: string; cleanup(): void };
let out: string;
let run: { code: number; stdout: string; stderr: string };

beforeAll(() => {
  base = makeTempDir('life-cycle-demo-');
  out = join(base.path, 'demo');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (CAN_ISOLATE) {
    // No route anywhere but 127.0.0.1: any attempt to reach the network fails the demo.
    const child = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" "${BIN}" demo --out demo`], { cwd: base.path, env, encoding: 'utf8' });
    run = { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
  } else {
    run = runBin(['demo', '--out', 'demo'], { cwd: base.path, env });
  }
}, 60_000);

afterAll(() => base?.cleanup());

describe('packet demo', () => {
  it(`exits 0${CAN_ISOLATE ? ' in a network namespace with only loopback' : ''}, printing each step`, () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const steps = run.stdout.split('\n').filter((line) => /^\d\. /.test(line));
    expect(steps.map((line) => line.split(/\s+/)[1])).toEqual(['validate', 'build', 'sign', 'status', 'sign', 'timestamp', 'verify', 'locker']);
    expect(steps[0]).toMatch(/PASS/);
    expect(steps[1]).toMatch(/\d+ secrets redacted/);
    expect(steps[3]).toMatch(/INCOMPLETE/);
    expect(steps[5]).toMatch(/http:\/\/127\.0\.0\.1:\d+\//);
    expect(steps[6]).toMatch(/: PASS \(\d+ checks passed, 0 failed\)/);
    expect(steps[7]).toMatch(/ledger entry 1\); locker verify: PASS/);
    expect(run.stdout).toContain(`left in ${out}`);
  });

  it('leaves exactly the packet, policy.yaml and tsa-root.pem in the folder it names', () => {
    expect(readdirSync(out).sort()).toEqual(['CHG-2041.packet.tar', 'locker', 'policy.yaml', 'tsa-root.pem']);
  });

  it('leaves no private key material anywhere in that folder (the tar is read as raw bytes)', () => {
    for (const name of readdirSync(out, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => relative(out, join(entry.parentPath, entry.name)))) {
      const bytes = readFileSync(join(out, name));
      expect(bytes.includes('PRIVATE KEY'), name).toBe(false);
      expect(bytes.includes('demo-passphrase'), name).toBe(false);
    }
    // And the packet's redaction did its job on the bundled fake secrets.
    const unpacked = join(base.path, 'unpacked-check');
    mkdirSync(unpacked);
    expect(spawnSync('tar', ['-xf', join(out, 'CHG-2041.packet.tar'), '-C', unpacked]).status).toBe(0);
    const listing = spawnSync('grep', ['-rl', 'AKIA[0-9A-Z]\\{16\\}', unpacked], { encoding: 'utf8' });
    expect(listing.stdout).toBe('');
  });

  it('`packet verify <packet> --policy <policy>` on its output passes', async () => {
    const verified = await runCli(['verify', join(out, 'CHG-2041.packet.tar'), '--policy', join(out, 'policy.yaml'), '--format', 'json', '--quiet']);
    expect(verified.code, verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as Report;
    expect(report.verdict).toBe('pass');
    expect(report.summary.fail).toBe(0);
  });

  it.skipIf(SKIP_BROWSER)("the working paper of the demo's packet prints on one page, on US Letter and on A4", async () => {
    requireChromium();
    const html = join(base.path, 'working-paper.html');
    const verified = await runCli(['verify', join(out, 'CHG-2041.packet.tar'), '--policy', join(out, 'policy.yaml'), '--report', html, '--quiet']);
    expect(verified.code, verified.stderr).toBe(0);
    const a4 = join(base.path, 'working-paper-a4.html');
    writeFileSync(a4, readFileSync(html, 'utf8').replace('</style>', '@page { size: A4; }</style>'));
    for (const [paper, page] of [['letter', html], ['a4', a4]] as const) {
      const pdf = join(base.path, `working-paper-${paper}.pdf`);
      runChromium(base.path, ['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`]);
      expect(pdfPageCount(readFileSync(pdf)), `pages on ${paper}`).toBe(1);
    }
  }, 60_000);

  it('the commands it prints for verifying again by hand work from where it was run', () => {
    const printed = run.stdout.split('\n').filter((line) => line.startsWith('  node ') || line.startsWith('  mkdir '));
    expect(printed.length).toBeGreaterThanOrEqual(3);
    for (const line of printed) {
      const command = line.trim().replace(/\s+# .*$/, '');
      const result = spawnSync('bash', ['-c', command], { cwd: base.path, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8' });
      expect(result.status, `${command}\n${result.stderr}`).toBe(0);
    }
  });

  it('a second demo into an existing non-empty folder is refused as in the way (exit 1, OUTPUT_EXISTS), touching nothing', () => {
    const before = readdirSync(out).sort();
    const again = runBin(['demo', '--out', 'demo'], { cwd: base.path });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^packet: /m);
    expect(again.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(readdirSync(out).sort()).toEqual(before);
  });

  it('an existing empty folder is fine (e.g. one made by mktemp -d)', () => {
    mkdirSync(join(base.path, 'empty'));
    const again = runBin(['demo', '--out', 'empty'], { cwd: base.path });
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(join(base.path, 'empty')).sort()).toEqual(['CHG-2041.packet.tar', 'locker', 'policy.yaml', 'tsa-root.pem']);
  }, 60_000);

  it('a file where the folder should be is a usage error too', () => {
    writeFileSync(join(base.path, 'taken'), 'x');
    const again = runBin(['demo', '--out', 'taken'], { cwd: base.path });
    expect(again.code).toBe(2);
    expect(again.stderr).not.toMatch(/internal error|^\s+at /m);
  });
});
