export const VERSION = '0.1.0';
/** Build tag as Consul's members table reads it (`<version>:<revision>`). */
export const BUILD = `${VERSION}:conclave`;
/** GET /v1/agent/version: Consul's BuildInfo. The revision is the one /v1/agent/self reports; builds carry no
 * date stamp, so BuildDate is what Consul reports for a binary built without one. */
export const BUILD_INFO = { SHA: 'conclave', BuildDate: '1970-01-01T00:00:01Z', HumanVersion: VERSION, FIPS: '' } as const;
