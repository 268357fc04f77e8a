// One service: every instance with its node, address and port, and every check with status and output.
import { useLive } from '../live.js';
import { Health, Loaded, Page, worst } from '../components.js';
import { href } from '../router.js';
import { seg } from '../api.js';

interface Check {
  CheckID: string;
  Name: string;
  Status: string;
  Output: string;
  ServiceID: string;
}
interface Entry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] };
  Checks: Check[];
}

export function ServicePage({ dc, name }: { dc: string; name: string }) {
  const [entries] = useLive<[Entry[]]>([`/v1/health/service/${seg(name)}?dc=${encodeURIComponent(dc)}`]);
  return (
    <Page title={`Service ${name}`}>
      <p>
        <a href={href(dc, 'services')}>All services</a>
      </p>
      <Loaded value={entries.value}>
        {(list) =>
          list.length === 0 ? (
            <p>No instances of this service are registered.</p>
          ) : (
            <>
              <h2>Instances ({list.length})</h2>
              {list.map((e) => (
                <section class="instance" key={`${e.Node.Node}/${e.Service.ID}`} aria-label={`Instance ${e.Service.ID} on ${e.Node.Node}`}>
                  <h3>
                    {e.Service.ID} <Health status={worst(e.Checks.map((c) => c.Status))} />
                  </h3>
                  <dl>
                    <dt>Node</dt>
                    <dd>
                      <a href={href(dc, 'nodes', e.Node.Node)}>{e.Node.Node}</a>
                    </dd>
                    <dt>Address</dt>
                    <dd>
                      {e.Service.Address || e.Node.Address}:{e.Service.Port}
                    </dd>
                    <dt>Tags</dt>
                    <dd>{e.Service.Tags.length ? e.Service.Tags.map((t) => <span class="tag" key={t}>{t}</span>) : 'none'}</dd>
                  </dl>
                  <CheckTable checks={e.Checks} />
                </section>
              ))}
            </>
          )
        }
      </Loaded>
    </Page>
  );
}

export function CheckTable({ checks }: { checks: Check[] }) {
  if (checks.length === 0) return <p>No checks.</p>;
  return (
    <table class="list">
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Status</th>
          <th scope="col">Output</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.CheckID} data-check={c.CheckID}>
            <td>
              {c.Name} <span class="muted">({c.CheckID}{c.ServiceID ? '' : ', node check'})</span>
            </td>
            <td>
              <Health status={c.Status} />
            </td>
            <td>
              <pre class="output">{c.Output}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
