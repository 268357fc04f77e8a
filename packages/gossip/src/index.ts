// The public API: what an application embedding gossip needs. Everything else
// (the state machine, wire format, member table) is internal and may change;
// this package's tests reach it by relative imports.
export { createGossipNode, GossipNode } from './gossip-node.js';
export type { GossipNodeOptions, GossipNodeEvents, GossipNodeStats, JoinResult, QueryHandler, QueryResult } from './gossip-node.js';
export type { Member, MemberStatus } from './member.js';
export type { UserEvent } from './user-events.js';
export type { GossipLogger } from './logger.js';
export { lanProfile, wanProfile, localProfile, testProfile, profile } from './config.js';
export type { GossipConfig, ProfileName } from './config.js';
export { Keyring, generateKey, decodeKey } from './keyring.js';
export {
  GossipError,
  GossipConfigError,
  KeyringError,
  DecryptError,
  RemoteRefusedError,
  MalformedMessageError,
  SizeLimitError,
  NameConflictError,
} from './errors.js';
export { CoordinateClient, CoordinateError, defaultCoordinateConfig, distance as coordinateDistance, isValidCoordinate, newCoordinate } from './coordinate.js';
export type { Coordinate, CoordinateConfig } from './coordinate.js';
