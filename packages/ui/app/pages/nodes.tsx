// All nodes: address, serfHealth, services, checks and node meta (one read: /v1/internal/ui/nodes).
import { useLive } from '../live.js';
import { Health, Loaded, Page, worst } from '../components.js';
import { href } from '../router.js';

export interface NodeInfo {
  Node: string;
  Address: string;
  Meta: Record<string, string> | null;
  Services: Array<{ ID: string; Service: string; Port: number; Tags: string[] }>;
  Checks: Array<{ CheckID: string; Name: string; Status: string; Output: string; ServiceID: string }>;
}

export function NodesPage({ dc }: { dc: string }) {
  const [nodes] = useLive<[NodeInfo[]]>([`/v1/internal/ui/nodes?dc=${encodeURIComponent(dc)}`]);
  return (
    <Page title="Nodes">
      <Loaded value={nodes.value}>
        {(list) => (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Address</th>
                <th scope="col">Gossip (serfHealth)</th>
                <th scope="col">Checks</th>
                <th scope="col">Services</th>
                <th scope="col">Meta</th>
              </tr>
            </thead>
            <tbody>
              {list.map((n) => {
                const serf = n.Checks.find((c) => c.CheckID === 'serfHealth');
                return (
                  <tr key={n.Node}>
                    <td>
                      <a href={href(dc, 'nodes', n.Node)}>{n.Node}</a>
                    </td>
                    <td>{n.Address}</td>
                    <td>{serf ? <Health status={serf.Status} /> : 'none'}</td>
                    <td>
                      <Health status={worst(n.Checks.map((c) => c.Status))} /> ({n.Checks.length})
                    </td>
                    <td>{n.Services.length}</td>
                    <td>
                      {Object.entries(n.Meta ?? {}).map(([k, v]) => (
                        <span class="tag" key={k}>
                          {k}={v}
                        </span>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}
