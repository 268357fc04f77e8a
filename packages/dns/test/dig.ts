import { execFile } from 'node:child_process';

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** `udp: N` from the OPT pseudosection, when the reply carried EDNS. */
  ednsUdp: number | undefined;
  server: string;
  raw: string;
}

/** Runs the real `dig` against 127.0.0.1:port and parses its default output. */
export function dig(port: number, args: string[]): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', ...args], { timeout: 20_000 }, (err, stdout) => {
      if (err && !stdout) {
        reject(err);
        return;
      }
      resolve(parseDig(stdout));
    });
  });
}

function parseDig(raw: string): DigResult {
  const result: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], ednsUdp: undefined, server: '', raw };
  let section: DigRecord[] | undefined;
  for (const line of raw.split('\n')) {
    const status = /status: (\w+)/.exec(line);
    if (status) result.status = status[1];
    const flags = /;; flags: ([a-z ]*);/.exec(line);
    if (flags) result.flags = flags[1].trim().split(/\s+/).filter(Boolean);
    const udp = /EDNS: version: \d+, flags:[^;]*; udp: (\d+)/.exec(line);
    if (udp) result.ednsUdp = Number(udp[1]);
    const server = /;; SERVER: .*\((UDP|TCP)\)/.exec(line);
    if (server) result.server = server[1];
    if (line.startsWith(';; ANSWER SECTION:')) section = result.answer;
    else if (line.startsWith(';; AUTHORITY SECTION:')) section = result.authority;
    else if (line.startsWith(';; ADDITIONAL SECTION:')) section = result.additional;
    else if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') section = undefined;
    } else if (section) {
      const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line);
      if (m) section.push({ name: m[1], ttl: Number(m[2]), type: m[3], data: m[4] });
    }
  }
  return result;
}
