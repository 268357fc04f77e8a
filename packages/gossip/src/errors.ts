/** Base class: every error this package throws on purpose. */
export class GossipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A packet or stream that does not decode to a valid message. */
export class MalformedMessageError extends GossipError {}

/** A key that is not base64 of 16, 24 or 32 bytes, or a keyring operation that cannot be done. */
export class KeyringError extends GossipError {}

/** Encrypted data that no installed key can open, or plain data where encryption is required. */
export class DecryptError extends GossipError {}

/** The remote node refused our stream (it said why). */
export class RemoteRefusedError extends GossipError {}

/** A user event or tag set that is larger than one packet/limit allows. */
export class SizeLimitError extends GossipError {}

/** Bad options to createGossipNode, join addresses that do not parse, calls after shutdown. */
export class GossipConfigError extends GossipError {}

/** A node tried to join with the name of another live member. */
export class NameConflictError extends GossipError {}
