// One node: address, meta, services, checks, and its sessions (with invalidate) and the keys they lock.
import { useState } from 'preact/hooks';
import { useLive } from '../live.js';
import { ErrorBox, Health, Loaded, Page, worst } from '../components.js';
import { href, kvHref } from '../router.js';
import { ApiFailure, request, seg } from '../api.js';
import type { NodeInfo } from './nodes.js';
import { CheckTable } from './service.js';

interface Session {
  ID: string;
  Name: string;
  Behavior: string;
  TTL: string;
  LockDelay: number;
}

export function NodePage({ dc, name }: { dc: string; name: string }) {
  const q = `?dc=${encodeURIComponent(dc)}`;
  const [node, sessions, locks] = useLive<[NodeInfo, Session[], Array<{ Key: string; Session: string }>]>([
    `/v1/internal/ui/node/${seg(name)}${q}`,
    `/v1/session/node/${seg(name)}${q}`,
    // Only the keys this node's sessions hold (Conclave's /v1/internal/ui/locks), not the whole KV store.
    `/v1/internal/ui/locks/${seg(name)}${q}`,
  ]);
  const [failure, setFailure] = useState<ApiFailure>();
  const invalidate = async (id: string) => {
    setFailure(undefined);
    try {
      await request('PUT', `/v1/session/destroy/${seg(id)}${q}`);
    } catch (e) {
      setFailure(e as ApiFailure);
    }
  };
  return (
    <Page title={`Node ${name}`}>
      <p>
        <a href={href(dc, 'nodes')}>All nodes</a>
      </p>
      {node.value.error?.status === 404 ? (
        <p role="alert">There is no node named “{name}” in {dc}.</p>
      ) : (
        <Loaded value={node.value}>
          {(n) => (
            <>
              <dl>
                <dt>Address</dt>
                <dd>{n.Address}</dd>
                <dt>Health</dt>
                <dd>
                  <Health status={worst(n.Checks.map((c) => c.Status))} />
                </dd>
                <dt>Meta</dt>
                <dd>
                  {Object.keys(n.Meta ?? {}).length
                    ? Object.entries(n.Meta ?? {}).map(([k, v]) => (
                        <span class="tag" key={k}>
                          {k}={v}
                        </span>
                      ))
                    : 'none'}
                </dd>
              </dl>
              <h2>Services ({n.Services.length})</h2>
              <ul>
                {n.Services.map((s) => (
                  <li key={s.ID}>
                    <a href={href(dc, 'services', s.Service)}>{s.Service}</a> <span class="muted">{s.ID} · port {s.Port}</span>
                  </li>
                ))}
              </ul>
              <h2>Checks ({n.Checks.length})</h2>
              <CheckTable checks={n.Checks} />
            </>
          )}
        </Loaded>
      )}
      <h2>Sessions</h2>
      {failure && <ErrorBox error={{ status: failure.status, text: failure.message }} />}
      <Loaded value={sessions.value}>
        {(list) =>
          list.length === 0 ? (
            <p>No sessions on this node.</p>
          ) : (
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Behavior</th>
                  <th scope="col">TTL</th>
                  <th scope="col">Locks</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => {
                  const held = (locks.value.data ?? []).filter((k) => k.Session === s.ID);
                  return (
                    <tr key={s.ID}>
                      <td>
                        {s.Name || '(no name)'} <code>{s.ID}</code>
                      </td>
                      <td>{s.Behavior}</td>
                      <td>{s.TTL || 'none'}</td>
                      <td>
                        {held.length
                          ? held.map((k) => (
                              <a class="tag" key={k.Key} href={kvHref(dc, k.Key)}>
                                {k.Key}
                              </a>
                            ))
                          : 'none'}
                      </td>
                      <td>
                        <button type="button" onClick={() => invalidate(s.ID)}>
                          Invalidate <span class="sr-only">session {s.Name || s.ID}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Page>
  );
}
