import { ConfigError } from './errors.js';
import type { ConfState, NodeId } from './types.js';

/**
 * One-server-at-a-time membership change, carried in a ConfChange log entry and applied when the entry
 * is applied. "bootstrap" is only ever entry 1: the first configuration of a new cluster.
 */
export type ConfChange =
  | { type: 'addVoter'; node: NodeId }
  | { type: 'addLearner'; node: NodeId }
  | { type: 'removeNode'; node: NodeId }
  | { type: 'bootstrap'; voters: NodeId[] };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return enc.encode(JSON.stringify(cc));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(data));
  } catch {
    throw new ConfigError('conf change entry is not valid JSON');
  }
  const o = v as Record<string, unknown>;
  if (o && (o.type === 'addVoter' || o.type === 'addLearner' || o.type === 'removeNode') && typeof o.node === 'string' && o.node) {
    return { type: o.type, node: o.node };
  }
  if (o && o.type === 'bootstrap' && Array.isArray(o.voters) && o.voters.every((x) => typeof x === 'string' && x)) {
    return { type: 'bootstrap', voters: o.voters as string[] };
  }
  throw new ConfigError(`invalid conf change ${JSON.stringify(v)}: want {type: addVoter|addLearner|removeNode, node} or {type: bootstrap, voters}`);
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}
