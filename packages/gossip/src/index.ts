export { GossipCore } from './gossipCore.js';
export type { GossipCoreOptions, GossipOutput, GossipEvent, GossipStats, StreamPurpose } from './gossipCore.js';
export { SharedRoster } from './memberTable.js';
export type { RosterEntry } from './memberTable.js';
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
export type { UserEvent } from './userEvents.js';
export { Awareness } from './awareness.js';
export { Suspicion, suspicionTimeout } from './suspicion.js';
export { BroadcastQueue } from './broadcastQueue.js';
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
export { createGossipNode, GossipNode, DEFAULT_GOSSIP_PORT } from './gossipNode.js';
export type { GossipNodeOptions, JoinResult, GossipNodeStats, GossipNodeEvents } from './gossipNode.js';
export { Keyring, generateKey, decodeKey, ENCRYPTION_OVERHEAD } from './keyring.js';
