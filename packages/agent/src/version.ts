export const VERSION = '0.1.0';
/** Build tag as Consul's members table reads it (`<version>:<revision>`). */
export const BUILD = `${VERSION}:conclave`;
