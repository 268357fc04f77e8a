// Consul's ACL rule language (acl/policy.go, the 1.4+ syntax): HCL or JSON decoded as hcl.Decode decodes it, then
// validated as Consul's PolicyRules.Validate does, with Consul's error texts. Unknown keys are ignored, as
// hcl.Decode into Consul's struct ignores them (enterprise `namespace`/`partition` blocks parse the same way), so a
// policy exported from Consul (`consul acl policy read -format=json`) always loads.
import { HclError, parseHcl, type HclDocument, type HclObject, type HclValue, type KeyPositions } from '@conclave/hcl';
import { goQuote } from '@conclave/toolkit';
import { isAccessLevel, type AccessLevel } from './access-level.js';
import { AclRulesError } from './acl-rules-error.js';
import type { PolicyRules, SegmentResource, SegmentRule, SingleResource } from './policy-rules.js';
import { SEGMENT_RESOURCES, SINGLE_RESOURCES } from './policy-rules.js';

/** Go's type name and key field of each rule struct, for the `%#v` in Consul's "Invalid ... policy" texts. */
const GO_RULE: Record<SegmentResource, { type: string; key: string; enterprise: boolean }> = {
  agent: { type: 'AgentRule', key: 'Node', enterprise: false },
  event: { type: 'EventRule', key: 'Event', enterprise: false },
  key: { type: 'KeyRule', key: 'Prefix', enterprise: true },
  node: { type: 'NodeRule', key: 'Name', enterprise: true },
  query: { type: 'PreparedQueryRule', key: 'Prefix', enterprise: false },
  service: { type: 'ServiceRule', key: 'Name', enterprise: true },
  session: { type: 'SessionRule', key: 'Node', enterprise: false },
};

/** Parses a policy's `Rules` text (HCL, or JSON: text starting with `{`). Empty text is an empty policy.
 * Throws AclRulesError naming the line and column. */
export function parseRules(text: string): PolicyRules {
  const rules: PolicyRules = { segments: [], singles: {} };
  if (text.trim() === '') return rules;
  let doc: HclDocument;
  try {
    doc = parseHcl(text, 'rules');
  } catch (err) {
    if (err instanceof HclError) throw new AclRulesError(`Failed to parse ACL rules: ${err.goText}`, err.line, err.column);
    throw err;
  }
  const { root, positions } = doc;
  for (const resource of SEGMENT_RESOURCES) {
    for (const prefix of [false, true]) {
      const word = prefix ? `${resource}_prefix` : resource;
      if (!Object.hasOwn(root, word)) continue;
      for (const rule of segmentRules(root, word, resource, prefix, positions)) rules.segments.push(rule);
    }
  }
  for (const resource of SINGLE_RESOURCES) {
    if (!Object.hasOwn(root, resource)) continue;
    let v = root[resource];
    // hcl.Decode into a string field takes the last of repeated assignments.
    if (Array.isArray(v)) v = v[v.length - 1];
    const pos = positions.of(root, resource);
    if (typeof v !== 'string') throw invalid(`${resource}: expected a string such as ${resource} = "read"`, pos);
    if (v === '') continue;
    if (!isAccessLevel(v, false)) throw invalid(`Invalid ${resource} policy: ${goQuote(v)}`, pos);
    rules.singles[resource as SingleResource] = v;
  }
  return rules;
}

function segmentRules(root: HclObject, word: string, resource: SegmentResource, prefix: boolean, positions: KeyPositions): SegmentRule[] {
  const out: SegmentRule[] = [];
  const shapeError = () =>
    invalid(`${word}: expected blocks such as ${word} "name" { policy = "read" }`, positions.of(root, word));
  for (const group of objects(root[word])) {
    if (!group) throw shapeError();
    for (const name of Object.keys(group)) {
      for (const body of objects(group[name])) {
        if (!body) throw shapeError();
        out.push(segmentRule(body, name, word, resource, prefix, positions.of(body, 'policy') ?? positions.of(group, name)));
      }
    }
  }
  return out;
}

function segmentRule(
  body: HclObject,
  name: string,
  word: string,
  resource: SegmentResource,
  prefix: boolean,
  pos: { line: number; column: number } | undefined,
): SegmentRule {
  const policy = lastString(body.policy);
  const intentions = resource === 'service' ? lastString(body.intentions) : '';
  if (!isAccessLevel(policy, resource === 'key')) {
    throw invalid(`Invalid ${word} policy: ${goRule(resource, name, policy, intentions)}`, pos);
  }
  const rule: SegmentRule = { resource, name, prefix, policy };
  if (intentions !== '') {
    if (!isAccessLevel(intentions, false)) {
      throw invalid(`Invalid ${word} intentions policy: ${goRule(resource, name, policy, intentions)}`, pos);
    }
    rule.intentions = intentions as AccessLevel;
  }
  return rule;
}

/** A block's value: one object (JSON) or a list of them (HCL); undefined entries mark a wrong shape. */
function objects(v: HclValue | undefined): Array<HclObject | undefined> {
  if (Array.isArray(v)) return v.map((x) => (isObject(x) ? x : undefined));
  return [isObject(v) ? v : undefined];
}

function isObject(v: HclValue | undefined): v is HclObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lastString(v: HclValue | undefined): string {
  if (Array.isArray(v)) v = v[v.length - 1];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

/** Go's `%#v` of the rule pointer, as Consul's validation error prints it. */
function goRule(resource: SegmentResource, name: string, policy: string, intentions: string): string {
  const g = GO_RULE[resource];
  const fields = [`${g.key}:${goQuote(name)}`, `Policy:${goQuote(policy)}`];
  if (resource === 'service') fields.push(`Intentions:${goQuote(intentions)}`);
  if (g.enterprise) fields.push('EnterpriseRule:acl.EnterpriseRule{}');
  return `&acl.${g.type}{${fields.join(', ')}}`;
}

function invalid(text: string, pos: { line: number; column: number } | undefined): AclRulesError {
  return new AclRulesError(pos ? `${text} (at line ${pos.line}, column ${pos.column})` : text, pos?.line, pos?.column);
}
