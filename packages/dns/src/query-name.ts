/** What a name inside the domain asks for, parsed as Consul does. */
export type DomainLookup =
  | { kind: 'service'; service: string; tag: string | undefined; dc: string | undefined }
  | { kind: 'node'; node: string; dc: string | undefined }
  | { kind: 'addr'; hex: string; dc: string | undefined }
  /** A prepared query by ID or name (`name.query.consul`, RFC 2782 `_name._tcp.query.consul`). */
  | { kind: 'query'; name: string; dc: string | undefined }
  /** Prepared queries, connect, ingress, virtual, or a name of no known form: NXDOMAIN. */
  | { kind: 'unknown' };

const TYPE_LABELS = new Set(['service', 'node', 'addr', 'query', 'connect', 'ingress', 'virtual']);
const UNKNOWN: DomainLookup = { kind: 'unknown' };

/**
 * Parses the part of a lower-case name before the domain (`master.db.service.dc1`). The label right
 * before the domain is either the lookup type or a datacenter (DC names have no dots), in which case the
 * type is the label before it. RFC 2782 names `_svc._tag` may drop `.service` for SRV questions.
 */
export function parseDomainLookup(rest: string, isSrv: boolean): DomainLookup {
  const labels = rest.split('.');
  const n = labels.length;
  let type: string;
  let dc: string | undefined;
  let parts: string[];
  if (TYPE_LABELS.has(labels[n - 1])) {
    type = labels[n - 1];
    parts = labels.slice(0, n - 1);
  } else if (n >= 2 && TYPE_LABELS.has(labels[n - 2])) {
    type = labels[n - 2];
    dc = labels[n - 1];
    parts = labels.slice(0, n - 2);
  } else if (isSrv && n === 2 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
    type = 'service';
    parts = labels;
  } else {
    return UNKNOWN;
  }
  if (parts.length === 0 || parts.some((p) => p === '')) return UNKNOWN;
  switch (type) {
    case 'service': {
      if (parts.length === 2 && parts[0].startsWith('_') && parts[1].startsWith('_')) {
        const service = parts[0].slice(1);
        const tag = parts[1].slice(1);
        if (service === '' || tag === '') return UNKNOWN;
        return { kind: 'service', service, tag: tag === 'tcp' ? undefined : tag, dc };
      }
      const service = parts[parts.length - 1];
      const tag = parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
      return { kind: 'service', service, tag, dc };
    }
    case 'node':
      return { kind: 'node', node: parts.join('.'), dc };
    case 'addr':
      return parts.length === 1 ? { kind: 'addr', hex: parts[0], dc } : UNKNOWN;
    case 'query': {
      if (parts.length === 2 && parts[0].startsWith('_') && parts[1].startsWith('_')) {
        const name = parts[0].slice(1);
        return name === '' ? UNKNOWN : { kind: 'query', name, dc };
      }
      return { kind: 'query', name: parts.join('.'), dc };
    }
    default:
      return UNKNOWN;
  }
}
