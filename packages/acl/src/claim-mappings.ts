// go-sso's extractClaims, shared by the jwt and oidc auth methods: ClaimMappings and ListClaimMappings pick the
// claims binding rules select on (`value.<name>`, `list.<name>`) and interpolate (`${value.<name>}`); a claim
// name starting with `/` is a JSON pointer. Values are strings, booleans or numbers (truncated to integers).
import { isPlainObject } from '@conclave/toolkit';
import { AuthMethodError, type AuthIdentity } from './auth-method.js';

export interface ClaimMappingConfig {
  ClaimMappings: Record<string, string>;
  ListClaimMappings: Record<string, string>;
}

/** The selectable fields and variables every identity of a method has, empty (for validating rules). */
export function blankClaimsIdentity(config: ClaimMappingConfig): AuthIdentity {
  const value: Record<string, string> = {};
  const vars: Record<string, string> = {};
  for (const k of Object.values(config.ClaimMappings)) {
    value[k] = '';
    vars[`value.${k}`] = '';
  }
  const list: Record<string, string[]> = {};
  for (const k of Object.values(config.ListClaimMappings)) list[k] = [];
  return { selectable: { value, list }, projectedVars: vars };
}

/** The identity a verified token's claims make; throws AuthMethodError with go-sso's texts. */
export function identityFromClaims(config: ClaimMappingConfig, claims: Record<string, unknown>): AuthIdentity {
  const id = blankClaimsIdentity(config);
  const value = id.selectable.value as Record<string, string>;
  const list = id.selectable.list as Record<string, string[]>;
  for (const [source, target] of Object.entries(config.ClaimMappings)) {
    const raw = claimAt(claims, source);
    if (raw === undefined || raw === null) continue;
    const s = stringify(raw);
    if (s === undefined) throw new AuthMethodError(`error converting claim '${source}' to string from unknown type ${goTypeName(raw)}`);
    value[target] = s;
    id.projectedVars[`value.${target}`] = s;
  }
  for (const [source, target] of Object.entries(config.ListClaimMappings)) {
    const raw = claimAt(claims, source);
    if (raw === undefined || raw === null) continue;
    const items = Array.isArray(raw) ? raw : isPlainObject(raw) ? undefined : [raw];
    if (!items) throw new AuthMethodError(`${JSON.stringify(source)} list claim could not be converted to string list`);
    list[target] = items.flatMap((item) => {
      const s = stringify(item);
      if (s === undefined) throw new AuthMethodError(`value ${JSON.stringify(item)} in ${JSON.stringify(source)} list claim could not be parsed as string`);
      return s === '' ? [] : [s];
    });
  }
  return id;
}

/** Config.Validate's check that no two mappings name the same target. */
export function checkClaimMappings(config: ClaimMappingConfig): void {
  for (const [field, mapping] of [['ClaimMappings', config.ClaimMappings], ['ListClaimMappings', config.ListClaimMappings]] as const) {
    const seen = new Set<string>();
    for (const target of Object.values(mapping)) {
      if (seen.has(target)) throw new AuthMethodError(`${field} contains multiple mappings for key ${JSON.stringify(target)}`);
      seen.add(target);
    }
  }
}

/** getClaim: a JSON pointer when the name starts with `/`, else the top-level claim. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let at: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at) && /^\d+$/.test(part)) at = at[Number(part)];
    else if (isPlainObject(at)) at = at[part];
    else return undefined;
  }
  return at;
}

/** stringifyMetadataValue: strings as they are, booleans, numbers truncated to integers. */
function stringify(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(Math.trunc(v));
  return undefined;
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (isPlainObject(v)) return 'map[string]interface {}';
  return typeof v;
}
