// Consul's event-list index is not a Raft index: it is derived from the newest event's UUID, the first and last 16
// hex digits read as two uint64 and XORed. The event watch uses it to find where the previous answer ended.

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The blocking index Consul gives an event list whose last event has this ID (api.Event.IDToIndex); 0n for a non-UUID. */
export function eventIdToIndex(id: string): bigint {
  if (!UUID.test(id)) return 0n;
  const hex = id.replace(/-/g, '');
  return BigInt('0x' + hex.slice(0, 16)) ^ BigInt('0x' + hex.slice(16));
}
