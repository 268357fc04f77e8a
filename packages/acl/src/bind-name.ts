// A binding rule's BindName: HIL interpolation of the identity's projected variables (`${value.team}-web`,
// `${serviceaccount.name}`), as Consul's lib/template.InterpolateHIL with lowercasing on. Only variable references
// are HIL here; Consul's bind names never use HIL functions or arithmetic.

export class BindNameError extends Error {
  override name = 'BindNameError';
}

const REF = /\$\{\s*([^}]*?)\s*\}/g;

/** Interpolates `template` with `vars`; values are lowercased when `lowercase`. Throws BindNameError for a
 * reference to an unknown variable or an unterminated `${`. */
export function interpolateBindName(template: string, vars: Readonly<Record<string, string>>, lowercase = true): string {
  const open = template.lastIndexOf('${');
  if (open >= 0 && template.indexOf('}', open) < 0) throw new BindNameError('error interpreting template: unterminated interpolation');
  return template.replace(REF, (_m, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new BindNameError(`error interpreting template: unknown variable accessed: ${name}`);
    const v = vars[name]!;
    return lowercase ? v.toLowerCase() : v;
  });
}

/** Consul's acl.IsValidServiceIdentityName / IsValidNodeIdentityName. */
export const VALID_IDENTITY_NAME = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;
/** Consul's validRoleName / validPolicyName. */
export const VALID_ROLE_NAME = /^[A-Za-z0-9\-_]{1,256}$/;

/** computeBindName: the interpolated name, checked; an upper-case value lowercased on the way is an error, as
 * Consul's newer releases report it. */
export function computeBindName(template: string, vars: Readonly<Record<string, string>>, valid: RegExp): string {
  const computed = interpolateBindName(template, vars, true);
  if (!valid.test(computed)) throw new BindNameError(`invalid bind name: ${JSON.stringify(computed)}`);
  if (template.includes('${')) {
    const original = interpolateBindName(template, vars, false);
    if (original !== computed)
      throw new BindNameError(
        `invalid bind name: the projected variables contain uppercase characters (interpolated as ${JSON.stringify(original)} before lowercasing), but bind names for this type must be lowercase; ensure the bound service or node name is lowercase`,
      );
  }
  return computed;
}
