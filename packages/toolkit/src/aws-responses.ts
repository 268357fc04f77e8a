// What the aws-iam auth method's server and `conclave login` read from AWS (Consul's internal/iamauth/responses): the XML answers of
// sts:GetCallerIdentity, iam:GetRole and iam:GetUser, and IAM principal ARNs. A small XML reader suffices: these
// documents are elements and text, and only named fields are taken from them, as Go's encoding/xml does into
// Consul's structs (a missing field is empty; a repeated one, its last).

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

const MAX_DEPTH = 64;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError('XML syntax error: invalid character entity &');
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const v = ENTITIES[ref];
    if (v === undefined) throw new XmlError(`XML syntax error: invalid character entity ${m}`);
    return v;
  });
}

/** The document's root element (namespace prefixes dropped from names, attributes ignored). */
export function parseXml(doc: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = lt < 0 ? doc.slice(i) : doc.slice(i, lt);
    if (text) {
      if (stack.length) stack[stack.length - 1]!.text += unescapeXml(text);
      else if (text.trim()) throw new XmlError('XML syntax error: text outside the root element');
    }
    if (lt < 0) break;
    if (doc.startsWith('<?', lt)) {
      const end = doc.indexOf('?>', lt);
      if (end < 0) throw new XmlError('XML syntax error: unexpected EOF');
      i = end + 2;
    } else if (doc.startsWith('<!--', lt)) {
      const end = doc.indexOf('-->', lt);
      if (end < 0) throw new XmlError('XML syntax error: unexpected EOF');
      i = end + 3;
    } else if (doc.startsWith('<![CDATA[', lt)) {
      const end = doc.indexOf(']]>', lt);
      if (end < 0 || !stack.length) throw new XmlError('XML syntax error: unexpected CDATA');
      stack[stack.length - 1]!.text += doc.slice(lt + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!', lt)) {
      throw new XmlError('XML syntax error: directives are not read');
    } else {
      const gt = doc.indexOf('>', lt);
      if (gt < 0) throw new XmlError('XML syntax error: unexpected EOF');
      const tag = doc.slice(lt + 1, gt);
      i = gt + 1;
      if (tag.startsWith('/')) {
        const name = localName(tag.slice(1).trim());
        const open = stack.pop();
        if (!open || open.name !== name) throw new XmlError(`XML syntax error: unexpected end element </${name}>`);
        continue;
      }
      const selfClosing = tag.endsWith('/');
      const m = /^([A-Za-z_][\w.:-]*)/.exec(tag);
      if (!m) throw new XmlError('XML syntax error: invalid element name');
      const el: XmlElement = { name: localName(m[1]!), children: [], text: '' };
      if (stack.length) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new XmlError('XML syntax error: more than one root element');
      else root = el;
      if (!selfClosing) {
        stack.push(el);
        if (stack.length > MAX_DEPTH) throw new XmlError('XML syntax error: elements nested too deep');
      }
    }
  }
  if (stack.length || !root) throw new XmlError('XML syntax error: unexpected EOF');
  return root;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

const all = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
const field = (el: XmlElement | undefined, name: string): string => (el ? (all(el, name).at(-1)?.text ?? '') : '');

function expectRoot(el: XmlElement, name: string): void {
  if (el.name !== name) throw new XmlError(`expected element type <${name}> but have <${el.name}>`);
}

export interface CallerIdentity {
  Arn: string;
  UserId: string;
  Account: string;
}

/** parseGetCallerIdentityResponse: the results (Consul wants exactly one). */
export function parseCallerIdentityResponse(body: string): CallerIdentity[] {
  const trimmed = body.trim();
  if (!trimmed.startsWith('<GetCallerIdentityResponse') && !trimmed.startsWith('<?xml')) throw new XmlError('body of GetCallerIdentity is invalid');
  const root = parseXml(trimmed);
  expectRoot(root, 'GetCallerIdentityResponse');
  return all(root, 'GetCallerIdentityResult').map((r) => ({ Arn: field(r, 'Arn'), UserId: field(r, 'UserId'), Account: field(r, 'Account') }));
}

export interface IamEntity {
  arn: string;
  path: string;
  id: string;
  name: string;
  tags: Record<string, string>;
}

/** parseGetIAMEntityResponse for `GetRole` or `GetUser`; Consul's texts. */
export function parseIamEntityResponse(body: string, action: 'GetRole' | 'GetUser'): IamEntity {
  if (!body.startsWith('<GetRoleResponse') && !body.startsWith('<GetUserResponse') && !body.startsWith('<?xml'))
    throw new XmlError('body of GetRole or GetUser is invalid');
  const root = parseXml(body);
  const kind = action === 'GetRole' ? 'Role' : 'User';
  expectRoot(root, `${action}Response`);
  const results = all(root, `${action}Result`);
  if (results.length !== 1) throw new XmlError(`received ${results.length} identities in ${action} response but expected 1`);
  const entity = all(results[0]!, kind).at(-1);
  const tags: Record<string, string> = {};
  for (const t of entity ? all(entity, 'Tags') : []) for (const m of all(t, 'member')) tags[field(m, 'Key')] = field(m, 'Value');
  return { arn: field(entity, 'Arn'), path: field(entity, 'Path'), id: field(entity, `${kind}Id`), name: field(entity, `${kind}Name`), tags };
}

export interface ParsedArn {
  partition: string;
  account: string;
  type: string;
  path: string;
  friendlyName: string;
  sessionInfo: string;
}

/** responses.ParseArn: an IAM user or role, or an STS assumed role (Consul's texts). */
export function parseArn(arn: string): ParsedArn {
  const full = arn.split(':');
  if (full.length !== 6) throw new Error(`unrecognized arn: contains ${full.length} colon-separated parts, expected 6`);
  if (full[0] !== 'arn') throw new Error('unrecognized arn: does not begin with "arn:"');
  const partition = full[1]!;
  if (!partition) throw new Error(`unrecognized arn: ${JSON.stringify(arn)} is missing the partition`);
  if (full[2] !== 'iam' && full[2] !== 'sts') throw new Error(`unrecognized service: ${full[2]}, not one of iam or sts`);
  const account = full[4]!;
  if (!account) throw new Error(`unrecognized arn: ${JSON.stringify(arn)} is missing the account number`);
  const parts = full[5]!.split('/');
  if (parts.length < 2) throw new Error(`unrecognized arn: ${JSON.stringify(full[5])} contains fewer than 2 slash-separated parts`);
  const type = parts[0]!;
  let path = parts.slice(1, -1).join('/');
  let friendlyName = parts.at(-1)!;
  let sessionInfo = '';
  if (type === 'assumed-role') {
    if (parts.length < 3) throw new Error(`unrecognized arn: ${JSON.stringify(full[5])} contains fewer than 3 slash-separated parts`);
    path = '';
    friendlyName = parts[1]!;
    sessionInfo = parts[2]!;
  } else if (type !== 'user' && type !== 'role') {
    throw new Error(`unrecognized principal type: ${JSON.stringify(type)}`);
  }
  if (!friendlyName) throw new Error(`unrecognized arn: ${JSON.stringify(arn)} is missing the resource name`);
  return { partition, account, type, path, friendlyName, sessionInfo };
}

/** CanonicalArn: an assumed role as its role, without the role's path (the assumed-role ARN does not carry it). */
export function canonicalArn(p: ParsedArn): string {
  return `arn:${p.partition}:iam::${p.account}:${p.type === 'assumed-role' ? 'role' : p.type}/${p.friendlyName}`;
}
