import type { CommandSpec } from '../command.js';

/** A subcommand as `packet --help` lists it; its module (and its dependencies) load only when it runs. */
export interface CommandEntry {
  name: string;
  /** One line for `packet --help`. */
  summary: string;
  load(): Promise<CommandSpec>;
}

/** Every subcommand of `packet`, in the order `packet --help` lists them. */
export const commands: CommandEntry[] = [
  { name: 'validate', summary: 'validate tenant, binding, capacity and proposal contracts', load: async () => (await import('./validate.js')).validateCommand },
  { name: 'build', summary: 'build a deterministic, redacted evidence packet from files and folders', load: async () => (await import('./build.js')).buildCommand },
  { name: 'sign', summary: "sign a packet's manifest with OpenPGP (a key file, or gpg and its agent or token)", load: async () => (await import('./sign.js')).signCommand },
  { name: 'attach', summary: 'add a signature made elsewhere (gpg --detach-sign manifest.sha256)', load: async () => (await import('./attach.js')).attachCommand },
  { name: 'unsign', summary: 'remove a signature with its time-stamp and key copy (the undo for a wrong signature)', load: async () => (await import('./unsign.js')).unsignCommand },
  { name: 'timestamp', summary: 'get an RFC 3161 time-stamp for every signature that lacks one', load: async () => (await import('./timestamp.js')).timestampCommand },
  { name: 'status', summary: 'show where the signing ceremony stands (exit 4 while dual control is not met)', load: async () => (await import('./status.js')).statusCommand },
  { name: 'verify', summary: 'verify a packet offline: integrity, signatures, time-stamps, dual control', load: async () => (await import('./verify.js')).verifyCommand },
  { name: 'inspect', summary: 'show what is inside a packet', load: async () => (await import('./inspect.js')).inspectCommand },
  { name: 'locker', summary: 'keep packets for years: S3 Object Lock or a folder, legal hold, a hash-linked ledger', load: async () => (await import('./locker.js')).lockerCommand },
  { name: 'tsa', summary: 'run a local RFC 3161 time-stamping authority (tsa serve)', load: async () => (await import('./tsa.js')).tsaCommand },
  { name: 'demo', summary: 'run the whole life cycle on the bundled examples (offline, throw-away keys, local TSA)', load: async () => (await import('./demo.js')).demoCommand },
];
