import { canonicalize } from 'json-canonicalize';
import type { RedactionRecord } from '../redact/index.js';
import { FORMAT, MANIFEST, PACKET_JSON } from './format.js';
import { plural } from '../core/plural.js';

/** packet.json, format v1 (canonical JSON, RFC 8785). Optional fields are omitted, never null. */
export interface PacketMetadata {
  format: typeof FORMAT;
  name: string;
  /** SHA-256 over the payload lines of the manifest: identifies the evidence itself. */
  payloadDigest: string;
  created: string;
  operation?: string;
  tenant?: string;
  environment?: string;
  tool: { name: 'evidence-packet'; version: string };
  files: { count: number; bytes: number };
  redaction: RedactionSummary;
}

export interface RedactionSummary {
  /** Where the rules came from: `default`, or `default+<rules file name>`. */
  rules: string;
  total: number;
  files: RedactedFile[];
  /** Binary files included unchanged, not scanned. */
  notScanned: string[];
  /** JSON files kept as text (not canonicalized), with the reason. */
  notCanonicalized: { file: string; reason: string }[];
}

export interface RedactedFile extends RedactionRecord {
  file: string;
}

export function serializeMetadata(metadata: PacketMetadata): Buffer {
  return Buffer.from(canonicalize(metadata), 'utf8');
}

/** VERIFY.md: how to check this packet with stock tools only. */
export function renderVerifyMd(metadata: PacketMetadata): Buffer {
  const text = `# Verifying packet ${metadata.name}

This packet was built by evidence-packet ${metadata.tool.version} on ${metadata.created}.
It holds ${plural(metadata.files.count, 'evidence file', 'evidence files')} (${plural(metadata.files.bytes, 'byte', 'bytes')}) under \`payload/\`.
Every covered file is listed with its SHA-256 in \`${MANIFEST}\`; the packet digest is the
SHA-256 of \`${MANIFEST}\` itself. \`${PACKET_JSON}\` records what was redacted (rule and count,
never the value).

You need only \`tar\`, \`sha256sum\`, \`gpg\` and \`openssl\`. Trust nothing shipped in the
packet: take the signers' fingerprints and the time-stamp authority's root certificate from
your own trust policy.

## 1. Unpack (if you have the .packet.tar file)

    mkdir packet && tar -xf ${metadata.name}.packet.tar -C packet && cd packet

## 2. Integrity: every covered file matches the manifest

    sha256sum --strict -c ${MANIFEST}

Every line must say OK. Then check that nothing else is in the packet: every file outside
\`signatures/\`, \`timestamps/\` and \`keys/\` must be listed in \`${MANIFEST}\`:

    find . -type f ! -path './signatures/*' ! -path './timestamps/*' ! -path './keys/*' ! -name ${MANIFEST} | sed 's|^\\./||' | LC_ALL=C sort > ../found.txt
    cut -c67- ${MANIFEST} | LC_ALL=C sort | diff - ../found.txt && rm ../found.txt

(The list is written outside the packet folder so that it does not list itself.)

## 3. Signatures: each one verifies over the manifest

Each \`signatures/<FINGERPRINT>.asc\` is a detached OpenPGP signature over the exact bytes of
\`${MANIFEST}\`, made by the key with that primary fingerprint. Import the signers' public keys
from your own records (or \`keys/<FINGERPRINT>.asc\`, only after checking that the fingerprint
is one you expect), then:

    for sig in signatures/*.asc; do fpr=$(basename "$sig" .asc); st=$(gpg --status-fd 1 --verify "$sig" ${MANIFEST}); if [ "$(printf '%s\\n' "$st" | grep -c '^\\[GNUPG:\\] NEWSIG')" = 1 ] && printf '%s\\n' "$st" | grep -q '^\\[GNUPG:\\] GOODSIG ' && printf '%s\\n' "$st" | grep -q "^\\[GNUPG:\\] VALIDSIG .* $fpr\\$" && ! printf '%s\\n' "$st" | grep -Eq '^\\[GNUPG:\\] (BADSIG|ERRSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|KEYREVOKED|NO_PUBKEY|FAILURE)'; then echo "GOOD: $sig"; else echo "BAD: $sig"; fi; done

A signature is BAD unless gpg reports exactly one signature, finds it good (\`GOODSIG\`) from a
key that is neither revoked nor expired (\`REVKEYSIG\`, \`EXPKEYSIG\`, \`EXPSIG\`, \`BADSIG\`,
\`ERRSIG\` and the like are BAD), and its primary key fingerprint (the last field of
\`VALIDSIG\`) equals the file name. Check that each fingerprint belongs to a person your policy
approves. Count distinct people, not signature files.

What stock tools cannot judge: gpg judges revocation and expiry now, not at the time the
signature was made, so it rejects a signature made before its key expired or was retired,
which \`packet verify\` (judging at the time-stamp's trusted time) accepts; the stock route is
stricter there, never laxer. Only the key copy you import tells gpg about revocations: import
the signers' current keys from your own records, not only \`keys/\`. And gpg knows keys, not
people: that two signatures come from two different people, with the roles your policy
requires, is for you to check against your policy.

## 4. Time-stamps: each signature was made before its trusted time

Each \`timestamps/<FINGERPRINT>.tsr\` is an RFC 3161 time-stamp response over the bytes of
\`signatures/<FINGERPRINT>.asc\`. Beside the packet folder (outside it, so that nothing shipped in
the packet can stand in for them) put the TSA root certificates from your trust policy in
\`tsa-root.pem\` and, if the policy lists TSA certificates or intermediates, those in
\`tsa-certs.pem\`. Set \`EVALUATION_TIME\` to the time you judge at (RFC 3339; unset means now).
Each token is checked at its own genTime (\`-attime\`), so a TSA certificate that has expired
since still counts; a token dated more than 5 minutes after the evaluation time is BAD; and
\`-auth_level 2\` refuses RSA keys under 2048 bits and SHA-1 or MD5 certificate signatures:

    for tsr in timestamps/*.tsr; do fpr=$(basename "$tsr" .tsr); at=$(date -u -d "$(openssl ts -reply -in "$tsr" -text | sed -n 's/^Time stamp: //p')" +%s) && [ "$at" -le $(( $(date -u -d "\${EVALUATION_TIME:-now}" +%s) + 300 )) ] && openssl ts -verify -data "signatures/$fpr.asc" -in "$tsr" -CAfile ../tsa-root.pem $([ -s ../tsa-certs.pem ] && echo -untrusted ../tsa-certs.pem) -attime "$at" -auth_level 2 || echo "BAD: $tsr"; done
    openssl ts -reply -in timestamps/<FINGERPRINT>.tsr -text   # shows the trusted time

What openssl cannot judge here, and \`packet verify\` does: it accepts SHA-1 or MD5 in the TSA's
own CMS signature (\`packet verify\` refuses them); it evaluates name constraints, which
\`packet verify\` does not and so refuses any TSA chain that carries them; and it checks
certificates at genTime only, where \`packet verify\` also allows for the token's accuracy.

Or let the tool do all of it: \`packet verify ${metadata.name}.packet.tar --policy POLICY.yaml\`.
`;
  return Buffer.from(text, 'utf8');
}
