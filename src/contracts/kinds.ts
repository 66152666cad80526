import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the bundled JSON Schemas live: `<package>/schemas`, from both `src/contracts` and `dist/contracts`. */
export const SCHEMAS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../schemas');
