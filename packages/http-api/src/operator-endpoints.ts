// /v1/operator/raft/configuration and DELETE /v1/operator/raft/peer: the Raft configuration as Consul shows it,
// answered by the agent through ApiBackend.operator (servers only; clients forward to a server).

import { parseGoBool } from '@conclave/toolkit';
import { NoLeaderError } from '@conclave/state';
import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';
import { raftConfigurationJson } from './agent-json.js';
import { handleAutopilot } from './autopilot-endpoints.js';

export async function handleOperator(call: ApiCall): Promise<void> {
  if (await handleAutopilot(call, call.rest)) return;
  const op = call.backend.operator;
  switch (call.rest) {
    case 'raft/configuration':
      if (!call.allow('GET')) return;
      call.checkDatacenter();
      if (!op) throw new NoLeaderError();
      call.json(200, raftConfigurationJson(await op.raftConfiguration()));
      return;
    case 'keyring': {
      const method = call.method;
      const op = method === 'GET' ? 'list' : method === 'POST' ? 'install' : method === 'PUT' ? 'use' : method === 'DELETE' ? 'remove' : undefined;
      if (!op) {
        call.allow('GET', 'POST', 'PUT', 'DELETE');
        return;
      }
      call.checkDatacenter();
      const keyring = call.backend.keyring;
      if (!keyring) throw new ApiError(500, 'gossip is not running on this agent');
      // Consul's local-only: this datacenter's LAN pool alone, for lists only.
      const rawLocal = call.query.empty ? '' : (call.query.get('local-only') ?? '');
      let localOnly = false;
      if (rawLocal !== '') {
        const b = parseGoBool(rawLocal);
        if (b === undefined) throw new ApiError(400, `Error parsing local-only: strconv.ParseBool: parsing ${JSON.stringify(rawLocal)}: invalid syntax`);
        if (b && op !== 'list') throw new ApiError(400, 'Invalid use of local-only: local-only can only be set for list requests');
        localOnly = b;
      }
      const opts = { localOnly, token: call.token() };
      if (op === 'list') {
        call.json(200, await keyring.operation('list', undefined, opts));
        return;
      }
      const body = (await call.readJson()) as { Key?: unknown } | null | undefined;
      if (typeof body?.Key !== 'string' || body.Key === '') throw new ApiError(400, 'Request decode failed: a Key is required');
      await keyring.operation(op, body.Key, opts);
      call.ok();
      return;
    }
    case 'raft/peer': {
      if (!call.allow('DELETE')) return;
      call.checkDatacenter();
      const id = call.query.get('id') ?? '';
      const address = call.query.get('address') ?? '';
      if (!id && !address) throw new ApiError(400, 'Must specify either ?id with the server\'s ID or ?address with IP:port of peer to remove');
      if (id && address) throw new ApiError(400, 'Must specify either ?id with the server\'s ID or ?address with IP:port of peer to remove');
      if (!op) throw new NoLeaderError();
      await op.removeRaftPeer({ id, address });
      call.ok();
      return;
    }
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}
