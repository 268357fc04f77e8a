// The version `conclave version` and `conclave --version` print, without loading the agent to ask it.
export const CONCLAVE_VERSION = '0.1.0';
