// `conclave kv get|put|delete|export|import`, with Consul's flags, messages and exit codes (one file each).
import { dispatch } from '../command.js';
import { kvDelete } from './kv-delete.js';
import { kvExport } from './kv-export.js';
import { kvGet } from './kv-get.js';
import { kvImport } from './kv-import.js';
import { kvPut } from './kv-put.js';

export const kv = dispatch('kv', 'Interact with the key-value store', {
  get: kvGet,
  put: kvPut,
  delete: kvDelete,
  export: kvExport,
  import: kvImport,
});
