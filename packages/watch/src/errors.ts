// A watch definition (agent config `watches` entry or CLI flags) that cannot run; the message names the bad field
// in Consul's words so the same config fixes both.
export class WatchConfigError extends Error {
  override name = 'WatchConfigError';
}
