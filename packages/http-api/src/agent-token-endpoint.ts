// PUT /v1/agent/token/<kind> {"Token": "..."}: sets one of the agent's own ACL tokens at run time (default,
// agent, agent_recovery, replication and their legacy names). The gate requires acl:write.
import { expectString, getField, isPlainObject } from '@conclave/toolkit';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';

export async function agentToken(call: ApiCall, kind: string): Promise<void> {
  if (!call.allow('PUT')) return;
  const store = call.backend.acl?.agentTokens;
  if (!call.backend.acl) throw new ApiError(401, 'ACL support disabled');
  const body = await call.readJson();
  const token = isPlainObject(body) ? expectString(getField(body, 'Token'), 'Token') ?? '' : '';
  if (!store || !(await store.set(kind, token))) throw new ApiError(404, `Token "${kind}" is unknown`);
  call.ok();
}
