/**
 * Reading a verify Report's `facts` into the auditor view. Facts are typed `unknown` and partly
 * come from packet.json, which is hostile input: every field is read through a guard, so a
 * malformed fact drops out instead of crashing the report.
 */
import type { CertificateView, DualControlView, EvidenceView, KeyWindowView, PacketView, PolicyView, RedactionView, SignerView } from './auditor-view.js';

const HEX64 = /^[0-9a-f]{64}$/;

export function packetView(packet: Record<string, unknown>): PacketView {
  const view: PacketView = {};
  for (const key of ['name', 'created', 'operation', 'tenant', 'environment'] as const) {
    const value = packet[key];
    if (typeof value === 'string') view[key] = value;
  }
  const files = packet.files;
  if (isRecord(files) && isCount(files.count) && isCount(files.bytes)) view.files = { count: files.count, bytes: files.bytes };
  const tool = packet.tool;
  if (isRecord(tool) && typeof tool.name === 'string' && typeof tool.version === 'string') view.builtBy = `${tool.name} ${tool.version}`;
  return view;
}

export function signerView(value: unknown): SignerView[] {
  if (!isRecord(value) || typeof value.file !== 'string' || typeof value.fingerprint !== 'string') return [];
  const view: SignerView = { file: value.file, fingerprint: value.fingerprint, counted: value.counted === true };
  const signer = value.signer;
  if (isRecord(signer) && typeof signer.id === 'string' && typeof signer.name === 'string') {
    view.person = { id: signer.id, name: signer.name, roles: stringList(signer.roles) };
  }
  for (const key of ['created', 'trustedTime', 'judgedAt', 'signingKey', 'hash', 'code', 'message'] as const) {
    const field = value[key];
    if (typeof field === 'string') view[key] = field;
  }
  const algorithm = algorithmText(value);
  if (algorithm !== undefined) view.algorithm = algorithm;
  if (isRecord(value.tsa)) {
    const tsa: NonNullable<SignerView['tsa']> = {};
    for (const key of ['name', 'subject', 'serial'] as const) if (typeof value.tsa[key] === 'string') tsa[key] = value.tsa[key];
    view.tsa = tsa;
  }
  if (isRecord(value.keyValidity)) {
    const primary = keyWindow(value.keyValidity.primary);
    if (primary !== undefined) view.keyValidity = { primary };
    const signing = keyWindow(value.keyValidity.signingKey);
    if (view.keyValidity !== undefined && signing !== undefined) view.keyValidity.signingKey = signing;
    if (typeof value.keyValidity.userId === 'string') view.userId = value.keyValidity.userId;
  }
  if (value.pendingTimestamp === true) view.pendingTimestamp = true;
  return [view];
}

/** OpenPGP.js algorithm and curve names as people know them; anything else is shown as it is. */
const ALGORITHM_NAMES: Record<string, string> = { rsaEncryptSign: 'RSA', rsaSign: 'RSA', eddsaLegacy: 'EdDSA', ed25519: 'Ed25519', ecdsa: 'ECDSA', dsa: 'DSA' };
const CURVE_NAMES: Record<string, string> = { ed25519Legacy: 'Ed25519', nistP256: 'NIST P-256', nistP384: 'NIST P-384', nistP521: 'NIST P-521' };

/** `EdDSA Ed25519`, `RSA 4096 bits`: the signing key's algorithm as facts give it. */
function algorithmText(value: Record<string, unknown>): string | undefined {
  if (typeof value.algorithm !== 'string') return undefined;
  const size = isCount(value.keyBits) ? ` ${value.keyBits} bits` : '';
  const curve = typeof value.curve === 'string' ? ` ${Object.hasOwn(CURVE_NAMES, value.curve) ? CURVE_NAMES[value.curve] : value.curve}` : '';
  const name = Object.hasOwn(ALGORITHM_NAMES, value.algorithm) ? (ALGORITHM_NAMES[value.algorithm] as string) : value.algorithm;
  return `${name}${size}${curve}`;
}

function keyWindow(value: unknown): KeyWindowView | undefined {
  if (!isRecord(value) || typeof value.created !== 'string') return undefined;
  if (value.expires !== null && typeof value.expires !== 'string') return undefined;
  return { created: value.created, expires: value.expires };
}

export function dualControlView(value: unknown): DualControlView | undefined {
  if (!isRecord(value)) return undefined;
  const { distinctPeople, requiredSignatures, missingPeople } = value;
  if (!isCount(distinctPeople) || !isCount(requiredSignatures)) return undefined;
  const assignment = isRecord(value.roleAssignment) ? value.roleAssignment : {};
  return {
    satisfied: value.satisfied === true,
    distinctPeople,
    requiredSignatures,
    missingPeople: isCount(missingPeople) ? missingPeople : Math.max(0, requiredSignatures - distinctPeople),
    requiredRoles: stringList(value.requiredRoles),
    roleAssignment: Object.entries(assignment).flatMap(([role, who]) => (typeof who === 'string' ? [[role, who] as [string, string]] : [])),
    missingRoles: stringList(value.missingRoles),
  };
}

export function policyView(value: unknown): PolicyView | undefined {
  if (!isRecord(value) || typeof value.path !== 'string' || !isRecord(value.require)) return undefined;
  const { signatures, roles, timestamps } = value.require;
  if (!isCount(signatures)) return undefined;
  const view: PolicyView = {
    path: value.path,
    require: { signatures, roles: stringList(roles), timestamps: timestamps === true },
    signers: (Array.isArray(value.signers) ? value.signers : []).flatMap((s) =>
      isRecord(s) && typeof s.id === 'string' && typeof s.name === 'string' ? [{ id: s.id, name: s.name, roles: stringList(s.roles), fingerprints: stringList(s.fingerprints) }] : [],
    ),
    tsa: (Array.isArray(value.tsa) ? value.tsa : []).flatMap((t) =>
      isRecord(t) && typeof t.name === 'string' ? [{ name: t.name, roots: certificateList(t.roots), certificates: certificateList(t.certificates) }] : [],
    ),
  };
  if (typeof value.sha256 === 'string' && HEX64.test(value.sha256)) view.sha256 = value.sha256;
  return view;
}

function certificateList(value: unknown): CertificateView[] {
  return (Array.isArray(value) ? value : []).flatMap((c) => {
    if (!isRecord(c) || typeof c.source !== 'string') return [];
    const view: CertificateView = { source: c.source };
    if (typeof c.subject === 'string') view.subject = c.subject;
    if (typeof c.sha256 === 'string' && HEX64.test(c.sha256)) view.sha256 = c.sha256;
    if (typeof c.notBefore === 'string') view.notBefore = c.notBefore;
    if (typeof c.notAfter === 'string') view.notAfter = c.notAfter;
    return [view];
  });
}

/** The evidence list; `collapsed` when it is longer than `maxRows` (a details element, or an appendix). */
export function evidenceView(value: unknown, maxRows: number): EvidenceView | undefined {
  if (!isRecord(value) || !Array.isArray(value.files)) return undefined;
  const files = value.files.flatMap((f) => (isRecord(f) && typeof f.path === 'string' && isCount(f.size) && typeof f.sha256 === 'string' && HEX64.test(f.sha256) ? [{ path: f.path, size: f.size, sha256: f.sha256 }] : []));
  const count = isCount(value.count) ? value.count : files.length;
  const bytes = isCount(value.bytes) ? value.bytes : files.reduce((sum, f) => sum + f.size, 0);
  return { count, bytes, files, omitted: Math.max(0, count - files.length), collapsed: count > maxRows };
}

export function redactionView(value: unknown, maxRows: number): RedactionView | undefined {
  if (!isRecord(value)) return undefined;
  const records = Array.isArray(value.files) ? value.files : [];
  const byFile: { file: string; rule: string; count: number }[] = [];
  const rules = new Map<string, { count: number; files: Set<string> }>();
  for (const record of records) {
    if (!isRecord(record) || typeof record.file !== 'string' || typeof record.rule !== 'string' || !isCount(record.count)) continue;
    byFile.push({ file: record.file, rule: record.rule, count: record.count });
    const entry = rules.get(record.rule) ?? { count: 0, files: new Set<string>() };
    entry.count += record.count;
    entry.files.add(record.file);
    rules.set(record.rule, entry);
  }
  const byRule = [...rules.entries()]
    .map(([rule, entry]) => ({ rule, count: entry.count, files: entry.files.size }))
    .sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const notScanned = stringList(value.notScanned);
  const notCanonicalized = (Array.isArray(value.notCanonicalized) ? value.notCanonicalized : []).flatMap((entry) =>
    isRecord(entry) && typeof entry.file === 'string' && typeof entry.reason === 'string' ? [{ file: entry.file, reason: entry.reason }] : [],
  );
  const counted = byFile.reduce((sum, row) => sum + row.count, 0);
  return {
    rules: typeof value.rules === 'string' ? value.rules : 'unknown',
    total: isCount(value.total) ? value.total : counted,
    byRule: byRule.slice(0, maxRows),
    byRuleOmitted: Math.max(0, byRule.length - maxRows),
    byFile: byFile.slice(0, maxRows),
    byFileOmitted: Math.max(0, byFile.length - maxRows),
    notScanned: notScanned.slice(0, maxRows),
    notScannedOmitted: Math.max(0, notScanned.length - maxRows),
    notCanonicalized: notCanonicalized.slice(0, maxRows),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
