import { readFile } from 'node:fs/promises';
import { usageError } from '../core/errors.js';
import { loadCertificates, type TrustedTsa } from '../timestamp/index.js';
import type { TrustPolicy } from '../trust/index.js';
import { trustedTsas } from '../verify/timestamps.js';

/**
 * The TSAs a time-stamp brought in from elsewhere must chain to: the policy's (roots and
 * tsa[].certificates), or the --tsa-ca roots with --tsa-certs candidates. Exactly one of the two.
 */
export async function trustedTsasFromOptions(policy: TrustPolicy | undefined, caFile: string | undefined, certsFile: string | undefined): Promise<TrustedTsa[]> {
  if (policy !== undefined) {
    const tsas = trustedTsas(policy);
    const problem = tsas.problems[0];
    if (problem !== undefined) throw usageError(problem.code ?? 'POLICY_TSA_INVALID', problem.message);
    return tsas.trusted;
  }
  const load = async (file: string, option: string): Promise<Uint8Array[]> => {
    try {
      return loadCertificates(await readFile(file));
    } catch (error) {
      throw usageError('TSA_CA_INVALID', `${option} ${file} holds no usable certificate (${(error as Error).message})`);
    }
  };
  if (caFile === undefined) throw usageError('BAD_ARGUMENTS', 'a time-stamp needs the TSAs to verify it against: --policy FILE or --tsa-ca FILE');
  return [{ name: caFile, roots: await load(caFile, '--tsa-ca'), certificates: certsFile === undefined ? [] : await load(certsFile, '--tsa-certs') }];
}
