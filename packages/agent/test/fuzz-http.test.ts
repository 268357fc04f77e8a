// Property-based fuzzing of the HTTP API as a network peer reaches it: random methods, paths under every endpoint
// family (percent-escapes, `..`, unicode, control characters), query strings with Consul's parameter names and
// junk values, tokens and content types, and bodies from random bytes to Consul-shaped JSON with wrong types.
// A real dev agent answers over a real socket. The property: every request gets an HTTP answer, nothing is
// answered as an unexpected error (the agent logs those as `agent.http: Request error`), and the agent still
// serves afterwards. Budget: fuzzOptions (a fixed seed in npm test; `npm run fuzz` for campaigns).
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@conclave/test-support/free-port';
import { fuzzOptions } from '@conclave/test-support/fuzz';
import { createLogger } from '@conclave/toolkit';
import { Agent } from '../src/agent.js';
import { buildAgentConfig } from '../src/config/agent-flags.js';

let agent: Agent;
let port = 0;
const errors: string[] = [];

beforeAll(async () => {
  const args = ['-dev', '-node', 'fuzz'];
  for (const flag of ['-http-port', '-dns-port', '-serf-lan-port', '-server-port']) args.push(flag, String(await freePort()));
  const { config } = buildAgentConfig(args);
  agent = await Agent.start(config, createLogger('error', 'agent', (line) => errors.push(line)));
  port = Number(agent.httpAddress.split(':').pop());
}, 30_000);

afterAll(async () => {
  await agent?.shutdown();
});

// Every endpoint family; `leave` and `join` are left out (they shut the agent down or dial random hosts).
const PREFIXES = [
  '/v1/kv/',
  '/v1/txn',
  '/v1/agent/self',
  '/v1/agent/members',
  '/v1/agent/services',
  '/v1/agent/service/',
  '/v1/agent/service/register',
  '/v1/agent/service/deregister/',
  '/v1/agent/service/maintenance/',
  '/v1/agent/checks',
  '/v1/agent/check/register',
  '/v1/agent/check/deregister/',
  '/v1/agent/check/pass/',
  '/v1/agent/check/update/',
  '/v1/agent/health/service/id/',
  '/v1/agent/health/service/name/',
  '/v1/agent/maintenance',
  '/v1/agent/force-leave/',
  '/v1/agent/reload',
  '/v1/catalog/register',
  '/v1/catalog/deregister',
  '/v1/catalog/datacenters',
  '/v1/catalog/nodes',
  '/v1/catalog/services',
  '/v1/catalog/service/',
  '/v1/catalog/node/',
  '/v1/health/node/',
  '/v1/health/checks/',
  '/v1/health/service/',
  '/v1/health/state/',
  '/v1/session/create',
  '/v1/session/destroy/',
  '/v1/session/renew/',
  '/v1/session/info/',
  '/v1/session/node/',
  '/v1/session/list',
  '/v1/event/fire/',
  '/v1/event/list',
  '/v1/status/leader',
  '/v1/status/peers',
  '/v1/operator/raft/configuration',
  '/v1/operator/raft/peer',
  '/v1/operator/keyring',
  '/v1/snapshot',
  '/v1/',
  '/',
];
const PARAMS = ['recurse', 'keys', 'separator', 'raw', 'cas', 'flags', 'acquire', 'release', 'index', 'wait', 'stale', 'consistent', 'filter', 'dc', 'pretty', 'passing', 'tag', 'node-meta', 'near', 'token', 'replace-existing-checks', 'prune', 'note', 'name', 'service', 'node', 'state'];
const FIELDS = ['Name', 'ID', 'Service', 'Node', 'Address', 'Port', 'Tags', 'Meta', 'Check', 'Checks', 'TTL', 'HTTP', 'TCP', 'Args', 'Interval', 'Timeout', 'Status', 'Behavior', 'LockDelay', 'KV', 'Verb', 'Key', 'Value', 'Flags', 'Index', 'Session', 'NodeMeta', 'Weights', 'Datacenter', 'ServiceID', 'CheckID', 'Notes', 'Output'];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '/', '..', '../..', '%', '%2', '%zz', '%2F', '%00', '\u0000', '<script>', '😀', 'a'.repeat(300), '-1', '1e309', '18446744073709551616'),
);
const value = fc.oneof(text, fc.integer().map(String), fc.constantFrom('true', 'false', '1ms', '5ms', '10s', '-5s', 'NaN'));
const pathArb = fc.tuple(fc.constantFrom(...PREFIXES), fc.array(text, { maxLength: 3 })).map(([p, segs]) =>
  // Raw percent signs too: `%zz` and a lone `%` reach the router undecoded.
  p + segs.map((s) => encodeURIComponent(s).replace(/%25/g, '%')).join('/'),
);
const queryArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), text), fc.option(value, { nil: undefined })), { maxLength: 5 })
  .map((pairs) => {
    const q = new URLSearchParams();
    for (const [k, v] of pairs) q.append(k, v ?? '');
    // A blocking query waits at most a few ms here: the property is about answers, not about time.
    if (q.has('index')) q.set('wait', `${1 + (q.get('index')!.length % 5)}ms`);
    else q.delete('wait');
    return q.toString();
  });
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('node'), { maxKeys: 6 }),
    fc.array(tie('node'), { maxLength: 3 }),
  ),
})).node;
const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
);
const methodArb = fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD');
const headersArb = fc.record(
  { 'x-consul-token': fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), 'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'x/y') },
  { requiredKeys: [] },
);

interface Answer {
  status: number;
  body: string;
}

function send(method: string, path: string, query: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: query ? `${path}?${query}` : path, headers: { ...headers, connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path}?${query} in 10 s`)));
    req.end(body);
  });
}

describe('HTTP API under random requests', () => {
  it('answers every request with an HTTP status, never as an unexpected error, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(methodArb, pathArb, queryArb, headersArb, bodyArb, async (method, path, query, headers, body) => {
        const before = errors.length;
        const a = await send(method, path, query, headers, body);
        expect(a.status).toBeGreaterThanOrEqual(200);
        expect(a.status).toBeLessThan(600);
        expect(a.body).not.toMatch(/internal error|\n\s+at .*\.(ts|js):\d+/);
        expect(errors.slice(before)).toEqual([]);
      }),
      fuzzOptions(400),
    );
    const alive = await send('GET', '/v1/status/leader', '', {}, undefined);
    expect(alive.status).toBe(200);
  }, 120_000);
});
