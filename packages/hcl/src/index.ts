// @conclave/hcl: HCL version 1 (hashicorp/hcl v1.0.0, the language of Consul's and consul-template's
// configuration files), decoded into plain data exactly as Go's hcl.Decode decodes into map[string]interface{}.
export { parseHcl, type HclDocument, type HclObject, type HclValue } from './hcl.js';
export { HclError } from './hcl-error.js';
export { KeyPositions } from './key-positions.js';
export type { Pos } from './token.js';
