// Consul's lib.PatchSliceOfMaps, which its config.Parse runs over every file, HCL or JSON: HCL decodes each block
// (`ports { }`) as a one-element list of maps, and this turns those back into the maps JSON would have, except
// under the keys that really are lists. So `ports { http = 80 }` and `{"ports": {"http": 80}}` are the same.
// Two differences from Consul's: a list of two or more maps elsewhere (two `service { }` blocks) is kept as a
// list of patched maps instead of panicking, and values are patched in place, so key positions recorded by
// identity stay valid.

/** Paths (lower case, `.`-joined keys) whose lists of maps stay lists; their elements are patched. */
const KEEP_LISTS = new Set([
  'checks',
  'segments',
  'service.checks',
  'services',
  'services.checks',
  'watches',
  'service.connect.proxy.config.upstreams',
  'services.connect.proxy.config.upstreams',
  'service.connect.proxy.upstreams',
  'services.connect.proxy.upstreams',
  'service.connect.proxy.expose.paths',
  'services.connect.proxy.expose.paths',
  'service.proxy.upstreams',
  'services.proxy.upstreams',
  'service.proxy.expose.paths',
  'services.proxy.expose.paths',
  'acl.tokens.managed_service_provider',
  'service.connect.sidecar_service.checks',
  'services.connect.sidecar_service.checks',
  'service.connect.sidecar_service.proxy.upstreams',
  'services.connect.sidecar_service.proxy.upstreams',
  'service.connect.sidecar_service.proxy.expose.paths',
  'services.connect.sidecar_service.proxy.expose.paths',
  'config_entries.bootstrap',
]);

/** Paths left exactly as written, lists and all. */
const KEEP_TREES = new Set(['config_entries.bootstrap']);

export function patchSliceOfMaps(doc: Record<string, unknown>): Record<string, unknown> {
  return patchValue('', doc) as Record<string, unknown>;
}

function patchValue(name: string, v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    const lower = name.toLowerCase();
    if (KEEP_TREES.has(lower)) return v;
    if (KEEP_LISTS.has(lower)) {
      for (let i = 0; i < v.length; i++) v[i] = patchValue(name, v[i]);
      return v;
    }
    if (!isMap(v[0])) return v;
    if (v.length === 1) return patchValue(name, v[0]);
    // Consul panics here; a repeated block stays a list of the patched blocks.
    for (let i = 0; i < v.length; i++) v[i] = patchValue(name, v[i]);
    return v;
  }
  if (isMap(v)) {
    for (const k of Object.keys(v)) v[k] = patchValue(name === '' ? k : `${name}.${k}`, v[k]);
    return v;
  }
  return v;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
