/**
 * What the answerer decides for one question, before it is fitted to a transport. Records are already
 * encoded; a Resolution can be cached and written many times (shuffled afresh each time).
 */

/** An answer plus the records that must travel with it (an SRV and its target's A record). */
export interface AnswerGroup {
  answers: Buffer[];
  extras: Buffer[];
  /** One key per extra (its bytes as latin1), to drop duplicates when several groups share a target. */
  extraKeys: string[];
}

export interface Resolution {
  rcode: number;
  authoritative: boolean;
  /** Put the SOA of `domain` first in the answer section (SOA queries). */
  soaAnswer: boolean;
  groups: AnswerGroup[];
  /** Shuffle groups per reply (Consul shuffles service answers and NS records). */
  shuffle: boolean;
  /** Keep at most this many groups after shuffling (NS: 3; `aRecordLimit`); 0 = all. */
  maxGroups: number;
  /** Put the SOA of `domain` in the authority section (NXDOMAIN and NODATA). */
  soaAuthority: boolean;
  authority: Buffer[];
  additional: Buffer[];
  /** The domain (main or alt) the question fell in, for the SOA. */
  domain: string;
  /** False for answers that must not be reused (failures). */
  cacheable: boolean;
}

export function makeGroup(answers: Buffer[], extras: Buffer[] = []): AnswerGroup {
  return { answers, extras, extraKeys: extras.map((e) => e.toString('latin1')) };
}

export function emptyResolution(rcode: number, domain: string, authoritative: boolean): Resolution {
  return {
    rcode,
    authoritative,
    soaAnswer: false,
    groups: [],
    shuffle: false,
    maxGroups: 0,
    soaAuthority: false,
    authority: [],
    additional: [],
    domain,
    cacheable: true,
  };
}
