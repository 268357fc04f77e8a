// The version `conclave version` and `conclave --version` print: the agent's own, from its tiny `./version`
// entry, so these commands never load the agent.
export { VERSION as CONCLAVE_VERSION } from '@conclave/agent/version';
