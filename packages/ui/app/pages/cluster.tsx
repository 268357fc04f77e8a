// Members (gossip status, server or client) and the Raft configuration with its leader.
import { useLive } from '../live.js';
import { Loaded, Page } from '../components.js';

interface Member {
  Name: string;
  Addr: string;
  Port: number;
  Status: number;
  Tags: Record<string, string>;
}
/** Serf's member status numbers as `consul members` prints them. */
const STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];

export function MembersPage({ dc }: { dc: string }) {
  const [members] = useLive<[Member[]]>([`/v1/agent/members?dc=${encodeURIComponent(dc)}`]);
  return (
    <Page title="Members">
      <Loaded value={members.value}>
        {(list) => (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Address</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col">Datacenter</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.Name}>
                  <td>{m.Name}</td>
                  <td>
                    {m.Addr}:{m.Port}
                  </td>
                  <td>
                    <span class={`health health-${m.Status === 1 ? 'passing' : 'critical'}`}>
                      <span aria-hidden="true">{m.Status === 1 ? '✓' : '✕'}</span> {STATUS[m.Status] ?? String(m.Status)}
                    </span>
                  </td>
                  <td>{m.Tags.role === 'consul' ? 'server' : 'client'}</td>
                  <td>{m.Tags.dc}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
}

export function RaftPage({ dc }: { dc: string }) {
  const [config] = useLive<[{ Servers: RaftServer[]; Index: number }]>([`/v1/operator/raft/configuration?dc=${encodeURIComponent(dc)}`]);
  return (
    <Page title="Raft peers">
      <Loaded value={config.value}>
        {(c) => (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">ID</th>
                <th scope="col">Address</th>
                <th scope="col">Role</th>
                <th scope="col">Voter</th>
              </tr>
            </thead>
            <tbody>
              {c.Servers.map((s) => (
                <tr key={s.ID}>
                  <td>{s.Node}</td>
                  <td>
                    <code>{s.ID}</code>
                  </td>
                  <td>{s.Address}</td>
                  <td>{s.Leader ? <strong>★ leader</strong> : 'follower'}</td>
                  <td>{s.Voter ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}
