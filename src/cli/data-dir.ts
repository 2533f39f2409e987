// The control plane's data directory, shared by `weft control-plane` and the commands that work on it directly (`weft token`, `weft identity`).
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_DATA_DIR = join(homedir(), '.weft', 'control-plane');

export const DATA_DIR_HELP = `      --data-dir DIR        the control plane's data directory (default: ${DEFAULT_DATA_DIR})`;
