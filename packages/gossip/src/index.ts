export { GossipCore } from './gossip-core.js';
export type { GossipCoreOptions, GossipOutput, GossipEvent, GossipStats, StreamPurpose } from './gossip-core.js';
export { SharedRoster } from './member-table.js';
export type { RosterEntry } from './member-table.js';
export {
  lanProfile,
  localProfile,
  testProfile,
  profile,
  suspicionMinTimeout,
  retransmitLimit,
  pushPullScale,
} from './config.js';
export type { GossipConfig, ProfileName } from './config.js';
export { ConsulStatus, consulStatusOf, splitHostPort, joinHostPort } from './member.js';
export type { Member, MemberStatus, ConsulStatusName } from './member.js';
export type { UserEvent } from './user-events.js';
export { Awareness } from './awareness.js';
export { Suspicion, suspicionTimeout } from './suspicion.js';
export { BroadcastQueue } from './broadcast-queue.js';
export { LamportClock } from './lamport.js';
export { createRng, shuffle } from './rng.js';
export type { Rng } from './rng.js';
export {
  GossipError,
  MalformedMessageError,
  KeyringError,
  DecryptError,
  RemoteRefusedError,
  SizeLimitError,
  GossipConfigError,
  NameConflictError,
} from './errors.js';
export { createGossipNode, GossipNode, DEFAULT_GOSSIP_PORT } from './gossip-node.js';
export type { GossipNodeOptions, JoinResult, GossipNodeStats, GossipNodeEvents } from './gossip-node.js';
export { Keyring, generateKey, decodeKey, ENCRYPTION_OVERHEAD } from './keyring.js';
