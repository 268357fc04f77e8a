// ACL checks of PUT /v1/txn, operation by operation before anything is applied (Consul's txn preCheck): one
// refused operation refuses the whole transaction with Consul's 403, so nothing half-applies.
import type { TxnOp } from '@conclave/state';
import type { ApiCall } from './api-call.js';
import { requirePermission, requireKeyWritePrefix } from './acl-enforce.js';

const KV_READS = new Set(['get', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);
const READS = new Set(['get', 'check-index', 'check-session', 'check-not-exists']);

export async function authorizeTxn(call: ApiCall, ops: readonly TxnOp[]): Promise<void> {
  if (!call.backend.acl) return;
  for (const op of ops) {
    if (op.KV) {
      if (op.KV.Verb === 'delete-tree') await requireKeyWritePrefix(call, op.KV.Key);
      else await requirePermission(call, 'key', KV_READS.has(op.KV.Verb) ? 'read' : 'write', op.KV.Key);
    } else if (op.Node) {
      await requirePermission(call, 'node', READS.has(op.Node.Verb) ? 'read' : 'write', op.Node.Node.Node);
    } else if (op.Service) {
      await requirePermission(call, 'service', READS.has(op.Service.Verb) ? 'read' : 'write', op.Service.Service.Service);
    } else if (op.Check) {
      const c = op.Check.Check as { Node: string; ServiceName?: string };
      const access = READS.has(op.Check.Verb) ? 'read' : 'write';
      if (c.ServiceName) await requirePermission(call, 'service', access, c.ServiceName);
      else await requirePermission(call, 'node', access, c.Node);
    } else if (op.Session) {
      const node = call.backend.state.sessions.info(op.Session.Session.ID).value[0]?.Node ?? op.Session.Session.ID;
      await requirePermission(call, 'session', READS.has(op.Session.Verb) ? 'read' : 'write', node);
    }
  }
}
