import { describeCause, environmentError, PacketError } from '../core/errors.js';
import type { LockerBackend } from './backend.js';
import type { LockerConfig } from './config.js';
import { FolderBackend } from './folder.js';

export interface OpenOptions {
  env: NodeJS.ProcessEnv;
  /** Replaces the configured S3 endpoint (tests route requests through a fault-injecting proxy). */
  endpoint?: string;
}

/** The backend a locker file names, opened and checked (S3: bucket reachable, Object Lock on). */
export async function openLocker(config: LockerConfig, options: OpenOptions): Promise<LockerBackend> {
  let backend: LockerBackend;
  if (config.backend === 'folder') {
    backend = new FolderBackend((config.folder as { path: string }).path);
  } else {
    // The AWS SDK loads only when an S3 locker is used: the demo and folder mirrors never pay for it.
    const { S3Backend } = await import('./s3.js');
    backend = new S3Backend(config.s3 as NonNullable<LockerConfig['s3']>, { env: options.env, ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) });
  }
  try {
    await backend.open();
  } catch (error) {
    await backend.close();
    if (error instanceof PacketError) throw error;
    throw environmentError('LOCKER_UNUSABLE', `cannot open the locker ${backend.description}: ${describeCause(error)}`, { cause: error, hint: 'check the folder path and its permissions' });
  }
  return backend;
}
