// All services: name, tags, instance count and checks by health. The filter box matches names and tags as
// the user types; text that reads as a `?filter` expression (`Service.Tags contains "v1"`) goes to the agent.
import { Component } from 'preact';
import { useMemo, useState, useEffect } from 'preact/hooks';
import { useLive } from '../live.js';
import { Health, Loaded, Page } from '../components.js';
import { href, route } from '../router.js';

interface Summary {
  Name: string;
  Tags: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
}

/** go-bexpr's operators: text holding one is an expression for the agent, anything else a plain search. */
const EXPRESSION = /==|!=|\s(in|not in|contains|not contains|matches|not matches|is empty|is not empty)\s|^\s*not\s/;

export function ServicesPage({ dc }: { dc: string }) {
  const initial = route.value.query.get('filter') ?? '';
  const [text, setText] = useState(initial);
  const [expr, setExpr] = useState(EXPRESSION.test(initial) ? initial : '');
  // Debounce expressions (each is a new read); plain text filters locally on every keystroke.
  useEffect(() => {
    const t = setTimeout(() => setExpr(EXPRESSION.test(text) ? text.trim() : ''), 250);
    // The box's text in the URL (reload, share) without re-rendering the app for it.
    const q = text ? `?filter=${encodeURIComponent(text)}` : '';
    history.replaceState(null, '', href(dc, 'services') + q);
    return () => clearTimeout(t);
  }, [text]);
  const path = `/v1/internal/ui/services?dc=${encodeURIComponent(dc)}${expr ? `&filter=${encodeURIComponent(expr)}` : ''}`;
  const [services] = useLive<[Summary[]]>([path]);
  const [limit, setLimit] = useState(ROWS);
  const needle = EXPRESSION.test(text) ? '' : text.trim().toLowerCase();
  const data = services.value.data;
  const shown = useMemo(
    () => (data && needle ? data.filter((s) => s.Name.toLowerCase().includes(needle) || (s.Tags ?? []).some((t) => t.toLowerCase().includes(needle))) : data),
    [data, needle],
  );
  return (
    <Page title="Services">
      <div class="toolbar">
        <label for="service-filter">Filter</label>
        <input
          id="service-filter"
          type="search"
          value={text}
          placeholder='name or tag, or an expression: Service.Tags contains "v1"'
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          aria-describedby="service-count"
        />
      </div>
      <Loaded value={services.value}>
        {() => (
          <>
            <p id="service-count" role="status">
              {shown!.length} of {data!.length} services{shown!.length > limit ? `, the first ${limit} shown` : ''}
            </p>
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Instances</th>
                  <th scope="col">Health checks</th>
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {shown!.slice(0, limit).map((s) => (
                  <ServiceRow key={s.Name} dc={dc} s={s} />
                ))}
              </tbody>
            </table>
            {shown!.length > limit && (
              <p>
                <button type="button" onClick={() => setLimit(Infinity)}>
                  Show all {shown!.length} services
                </button>
              </p>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** Rows rendered before "Show all": a first paint that stays fast at thousands of services. */
const ROWS = 200;

/** One row, re-rendered only when its summary object changed (a new answer, not a keystroke). */
class ServiceRow extends Component<{ dc: string; s: Summary }> {
  override shouldComponentUpdate(next: { dc: string; s: Summary }): boolean {
    return next.s !== this.props.s || next.dc !== this.props.dc;
  }
  override render() {
    const { dc, s } = this.props;
    return (
      <tr>
        <td>
          <a href={href(dc, 'services', s.Name)}>{s.Name}</a>
        </td>
        <td>{s.InstanceCount}</td>
        <td class="checks">
          {s.ChecksCritical > 0 && <Health status="critical" count={s.ChecksCritical} />}
          {s.ChecksWarning > 0 && <Health status="warning" count={s.ChecksWarning} />}
          {s.ChecksPassing > 0 && <Health status="passing" count={s.ChecksPassing} />}
          {s.ChecksCritical + s.ChecksWarning + s.ChecksPassing === 0 && <span>no checks</span>}
        </td>
        <td>
          {(s.Tags ?? []).map((t) => (
            <span class="tag" key={t}>
              {t}
            </span>
          ))}
        </td>
      </tr>
    );
  }
}
