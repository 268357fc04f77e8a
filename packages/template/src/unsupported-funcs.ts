// consul-template functions that conclave-template does not provide, refused by name so that a template
// written for consul-template fails with a reason rather than Go's `function "secret" not defined`: Vault
// and Nomad are other products' APIs; Connect, peering, admin partitions and plugins are not implemented.
import { FuncSpec, fn } from './func-spec.js';

const REASONS: Record<string, string> = {
  secret: 'Vault is not supported by conclave-template',
  secrets: 'Vault is not supported by conclave-template',
  pkiCert: 'Vault is not supported by conclave-template',
  nomadServices: 'Nomad is not supported by conclave-template',
  nomadService: 'Nomad is not supported by conclave-template',
  nomadVarList: 'Nomad is not supported by conclave-template',
  nomadVarListSafe: 'Nomad is not supported by conclave-template',
  nomadVar: 'Nomad is not supported by conclave-template',
  nomadVarExists: 'Nomad is not supported by conclave-template',
  connect: 'Connect (service mesh) is not supported by conclave-template',
  caRoots: 'Connect (service mesh) is not supported by conclave-template',
  caLeaf: 'Connect (service mesh) is not supported by conclave-template',
  partitions: 'admin partitions are not supported by conclave-template',
  peerings: 'cluster peering is not supported by conclave-template',
  exportedServices: 'cluster peering is not supported by conclave-template',
  importedServices: 'cluster peering is not supported by conclave-template',
  plugin: 'plugins are not supported by conclave-template',
};

export function unsupportedFuncs(): Record<string, FuncSpec> {
  const out: Record<string, FuncSpec> = {};
  for (const [name, reason] of Object.entries(REASONS)) {
    out[name] = fn([], () => {
      throw new Error(`${name}: ${reason}`);
    }, 'any');
  }
  return out;
}
