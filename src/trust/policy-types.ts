/** The trust policy after loading: normalized, paths resolved, files read. */
export interface TrustPolicy {
  /** Absolute path of the policy file. */
  source: string;
  /** SHA-256 of the policy file's bytes, 64 lower-case hex (absent for a policy built in code). */
  sha256?: string;
  apiVersion: 'evidence-packet/v1';
  signers: PolicySigner[];
  require: {
    /** Minimum number of distinct people. */
    signatures: number;
    /** Roles each covered by a different person. */
    roles: string[];
    /** Every counted signature needs a trusted time-stamp. */
    timestamps: boolean;
  };
  tsa: TrustedTsa[];
}

export interface PolicySigner {
  id: string;
  name: string;
  roles: string[];
  /** Pinned primary fingerprints, canonical: 40 upper-case hex. */
  fingerprints: string[];
  /** The public key file named by `key`, read and checked against the pins. */
  key?: { path: string; armored: string; fingerprint: string };
}

export interface TrustedTsa {
  name: string;
  /** Trust anchors. */
  roots: { source: string; pem: string }[];
  /** The TSA's signer certificates and intermediates: path candidates, never anchors. */
  certificates: { source: string; pem: string }[];
}
