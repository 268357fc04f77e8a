// A cluster member in its own process, for the crash test (bundled by the test with esbuild, run by node).
import { DiskStorage, RaftNode, WsTransport, type RaftLogger, type StateMachine } from '../../src/index.js';

const id = process.env.ID!;
// Log lines go to the parent over IPC (the test keeps them for failure reports).
const toParent = (level: string) => (msg: string) => void process.send?.({ type: 'log', line: `${level} ${msg}` });
const logger: RaftLogger = { debug: () => undefined, info: toParent('info'), warn: toParent('warn'), error: toParent('error') };
const peers = JSON.parse(process.env.PEERS!) as Record<string, string>;
const kv = new Map<string, string>();
const fsm: StateMachine = {
  apply: (e) => {
    const { k, v } = JSON.parse(new TextDecoder().decode(e.data)) as { k: string; v: string };
    kv.set(k, v);
  },
  snapshot: () => new TextEncoder().encode(JSON.stringify([...kv])),
  // Without prepareRestore the node hands restore() the bytes whole.
  restore: (b) => {
    kv.clear();
    for (const [k, v] of JSON.parse(new TextDecoder().decode(b as Uint8Array)) as [string, string][]) kv.set(k, v);
  },
};
const node = new RaftNode({
  id,
  storage: new DiskStorage({ dir: process.env.DIR!, logger }),
  transport: new WsTransport({ id, port: Number(peers[id].split(':')[1]), peers }),
  fsm,
  bootstrap: Object.keys(peers),
  tickMs: 20,
  snapshotThreshold: 200,
  trailingLogs: 20,
  logger,
});
void node.start().then(() => process.send!({ type: 'ready' }));
process.on('message', async (m: { cmd: string; k?: string; seq: number }) => {
  const reply = (o: object) => process.send!({ seq: m.seq, ...o });
  if (m.cmd === 'status') reply({ leader: node.isLeader(), applied: node.appliedIndex() });
  else if (m.cmd === 'propose') {
    try {
      await node.propose(new TextEncoder().encode(JSON.stringify({ k: m.k, v: id })));
      reply({ ok: true });
    } catch (e) {
      reply({ ok: false, error: String(e) });
    }
  } else if (m.cmd === 'dump') {
    try {
      await node.readBarrier();
      reply({ keys: [...kv.keys()] });
    } catch (e) {
      reply({ error: String(e) });
    }
  }
});
