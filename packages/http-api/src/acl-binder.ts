// Consul's auth.Binder: which of an auth method's binding rules match a verified identity (go-bexpr selectors
// over the identity's fields, the repo's bexpr), and what the matching rules grant: service and node
// identities, roles and policies by name, templated policies. Also the write-time check of a rule's Selector
// and BindName against the method's blank identity.
import {
  BindNameError,
  TemplatedPolicyError,
  VALID_IDENTITY_NAME,
  VALID_ROLE_NAME,
  computeBindName,
  interpolateBindName,
  templatedPolicy,
  validateTemplatedPolicy,
  type AuthIdentity,
  type TemplatedPolicyLink,
} from '@conclave/acl';
import type { AclBindingRule, AclLink, AclNodeIdentity, AclServiceIdentity, StateReader } from '@conclave/state';
import { BexprError, createFilter } from './bexpr-filter.js';
import type { GoType } from './bexpr-fields.js';

export const BIND_TYPES = ['service', 'node', 'role', 'policy', 'templated-policy'] as const;

export interface Bindings {
  ServiceIdentities: AclServiceIdentity[];
  NodeIdentities: AclNodeIdentity[];
  Roles: AclLink[];
  Policies: AclLink[];
  TemplatedPolicies: TemplatedPolicyLink[];
}

const str: GoType = { kind: 'string' };
/** What go-bexpr sees of each method type's identity (ssoauth fieldDetails, kubeauth k8sFieldDetails, awsauth
 * awsSelectableFields). */
/** The jwt and oidc types' (both ssoauth's). */
const SSO_FIELDS: GoType = {
  kind: 'struct',
  name: 'fieldDetails',
  fields: [
    { name: 'value', type: { kind: 'map', key: str, elem: str } },
    { name: 'list', type: { kind: 'map', key: str, elem: { kind: 'slice', elem: str } } },
  ],
};
const SELECTABLE: Record<string, GoType> = {
  'aws-iam': {
    kind: 'struct',
    name: 'awsSelectableFields',
    fields: [
      { name: 'entity_name', type: str },
      { name: 'entity_id', type: str },
      { name: 'account_id', type: str },
      { name: 'entity_path', type: str },
      { name: 'entity_tags', type: { kind: 'map', key: str, elem: str } },
    ],
  },
  jwt: SSO_FIELDS,
  oidc: SSO_FIELDS,
  kubernetes: {
    kind: 'struct',
    name: 'k8sFieldDetails',
    fields: [
      {
        name: 'serviceaccount',
        type: {
          kind: 'struct',
          name: 'k8sFieldDetailsServiceAccount',
          fields: [
            { name: 'namespace', type: str },
            { name: 'name', type: str },
            { name: 'uid', type: str },
          ],
        },
      },
    ],
  },
};

const EVALUATOR_PREFIX = 'Failed to create boolean expression evaluator: ';

/** The Selector's error (go-bexpr's words), or undefined when it is valid for the method type. */
export function selectorError(methodType: string, selector: string): string | undefined {
  if (!selector) return undefined;
  const type = SELECTABLE[methodType];
  if (!type) return `no selectable fields for auth method type ${JSON.stringify(methodType)}`;
  try {
    createFilter(selector, type);
    return undefined;
  } catch (err) {
    if (err instanceof BexprError) return err.message.startsWith(EVALUATOR_PREFIX) ? err.message.slice(EVALUATOR_PREFIX.length) : err.message;
    throw err;
  }
}

/** IsValidBindingRule: BindName (and BindVars) interpolate with every variable the method offers. */
export function bindNameError(rule: Pick<AclBindingRule, 'BindType' | 'BindName' | 'BindVars'>, blank: AuthIdentity): string | undefined {
  const fake: Record<string, string> = {};
  for (const k of Object.keys(blank.projectedVars)) fake[k] = 'fake';
  try {
    bindOne(rule, fake, 'dc', undefined);
    return undefined;
  } catch (err) {
    if (err instanceof BindNameError || err instanceof TemplatedPolicyError) return `failed to validate bindType ${JSON.stringify(rule.BindType)}: ${err.message}`;
    throw err;
  }
}

/** Consul's Binder.Bind: the grants of every rule whose selector matches. Throws BindNameError or
 * TemplatedPolicyError (answered 500, as Consul's login does) when a matching rule's name does not compute. */
export function bind(state: StateReader, method: { Name: string; Type: string }, identity: AuthIdentity, datacenter: string): Bindings {
  const out: Bindings = { ServiceIdentities: [], NodeIdentities: [], Roles: [], Policies: [], TemplatedPolicies: [] };
  const type = SELECTABLE[method.Type];
  for (const rule of state.aclAuth.listBindingRules(undefined, method.Name).value) {
    if (!type || !matches(rule.Selector, type, identity.selectable)) continue;
    bindOne(rule, identity.projectedVars, datacenter, { state, out });
  }
  return out;
}

/** Nothing bound: Consul refuses such a login rather than create a token that can do nothing. */
export function noBindings(b: Bindings): boolean {
  return !b.ServiceIdentities.length && !b.NodeIdentities.length && !b.Roles.length && !b.Policies.length && !b.TemplatedPolicies.length;
}

function matches(selector: string, type: GoType, fields: Record<string, unknown>): boolean {
  if (!selector) return true;
  try {
    return createFilter(selector, type)(fields);
  } catch {
    return false; // an invalid selector matches nothing
  }
}

function bindOne(
  rule: Pick<AclBindingRule, 'BindType' | 'BindName' | 'BindVars'>,
  vars: Record<string, string>,
  datacenter: string,
  into: { state: StateReader; out: Bindings } | undefined,
): void {
  switch (rule.BindType) {
    case 'service': {
      const name = computeBindName(rule.BindName, vars, VALID_IDENTITY_NAME);
      if (into && !into.out.ServiceIdentities.some((s) => s.ServiceName === name)) into.out.ServiceIdentities.push({ ServiceName: name });
      return;
    }
    case 'node': {
      const name = computeBindName(rule.BindName, vars, VALID_IDENTITY_NAME);
      if (into && !into.out.NodeIdentities.some((n) => n.NodeName === name)) into.out.NodeIdentities.push({ NodeName: name, Datacenter: datacenter });
      return;
    }
    case 'role': {
      const name = computeBindName(rule.BindName, vars, VALID_ROLE_NAME);
      const role = into?.state.acl.roleByName(name);
      if (role && !into!.out.Roles.some((r) => r.ID === role.ID)) into!.out.Roles.push({ ID: role.ID });
      return;
    }
    case 'policy': {
      const name = computeBindName(rule.BindName, vars, VALID_ROLE_NAME);
      const policy = into?.state.acl.policyByName(name);
      if (policy && !into!.out.Policies.some((p) => p.ID === policy.ID)) into!.out.Policies.push({ ID: policy.ID });
      return;
    }
    case 'templated-policy': {
      if (!templatedPolicy(rule.BindName))
        throw new TemplatedPolicyError(`Bind name for templated-policy bind type does not match existing template name: ${rule.BindName}`);
      const link: TemplatedPolicyLink = { TemplateName: rule.BindName };
      if (rule.BindVars?.Name !== undefined) link.TemplateVariables = { Name: interpolateBindName(rule.BindVars.Name, vars, true) };
      const valid = validateTemplatedPolicy(link);
      if (into && !into.out.TemplatedPolicies.some((t) => JSON.stringify(t) === JSON.stringify(valid))) into.out.TemplatedPolicies.push(valid);
      return;
    }
    default:
      throw new BindNameError(`invalid Binding Rule: unknown BindType ${JSON.stringify(rule.BindType)}`);
  }
}
