import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/** A real upstream resolver for forwarding tests: dns-packet over UDP and TCP on one port of 127.0.0.1. */
export interface Upstream {
  port: number;
  queries: number;
  close(): Promise<void>;
}

function answer(msg: Buffer): Buffer | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return undefined;
  }
  const q = query.questions?.[0];
  const known = q && q.name.toLowerCase() === 'example.org' && q.type === 'A';
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    // The rcode lives in the low 4 bits of the flags: 3 = NXDOMAIN.
    flags: dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (known ? 0 : 3),
    questions: query.questions,
    answers: known ? [{ type: 'A', name: q.name, ttl: 60, data: '93.184.216.34' }] : [],
  });
}

export async function startUpstream(): Promise<Upstream> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const state: Upstream = {
    port,
    queries: 0,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  udp.on('message', (msg, rinfo) => {
    state.queries++;
    const reply = answer(msg);
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        state.queries++;
        const reply = answer(msg);
        if (reply) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        }
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return state;
}

/** A UDP socket that receives queries and never answers: a dead recursor. */
export async function startSilentUpstream(): Promise<{ port: number; received: number; close(): Promise<void> }> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const state = { port: udp.address().port, received: 0, close: () => new Promise<void>((r) => udp.close(() => r())) };
  udp.on('message', () => state.received++);
  return state;
}
