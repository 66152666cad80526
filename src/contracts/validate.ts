import { validateWithConfig } from './engine.js';
import { loadProfile, DEFAULT_PROFILE } from './config/profiles.js';
import type { LoadedConfig } from './config/load.js';
import type { Report } from '../core/result.js';

export interface ValidateOptions {
  /** Evaluation time: proposal expiry and approval times are judged at it. */
  now: Date;
  /** Treat warnings (warn-on-exceed) as failures. */
  strict?: boolean;
  /** The config to validate with; defaults to the evidence-packet profile. */
  config?: LoadedConfig;
  /** Read and parse the files in a worker thread: true always, false never; by default for large sets with CPUs to spare (load-pool.ts). */
  loadThread?: boolean;
}

/**
 * Validate contract files and folders with a config (by default the evidence-packet profile):
 * parse each file (YAML or JSON, with positions), check it against its kind's JSON Schema, then
 * run the generic checks and the declared rules across all schema-valid documents. Returns the
 * shared Report (command `validate`); every problem is a check with a location.
 */
export async function validateContracts(paths: readonly string[], options: ValidateOptions): Promise<Report> {
  const config = options.config ?? loadProfile(DEFAULT_PROFILE, '.');
  return validateWithConfig(config, {
    now: options.now,
    paths,
    subject: paths.join(' '),
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    ...(options.loadThread === undefined ? {} : { loadThread: options.loadThread }),
  });
}
