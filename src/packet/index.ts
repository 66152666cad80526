export * from './format.js';
export { parseManifest, serializeManifest, type ManifestEntry, type ManifestParse, type ManifestProblem } from './manifest.js';
export { collectInputs, type InputFile, type CollectOptions } from './inputs.js';
export { buildPacket, sha256Hex, type BuildOptions, type BuildResult } from './build.js';
export { readPacket, type PacketReading, type ReadOptions } from './reader.js';
export type { PacketMetadata, RedactionSummary, RedactedFile } from './metadata.js';
export { outputFormOf, type OutputForm } from './writer.js';
export { addUnsealedFiles, removeUnsealedFiles, type UnsealedFile } from './update.js';
