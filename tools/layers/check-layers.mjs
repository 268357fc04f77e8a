// The layer picture of docs/architecture.md, enforced: every `@conclave/*` import in a package's or app's
// source (static, dynamic or type-only) and every `@conclave/*` dependency in its package.json must be an
// edge the table below allows, and the allowed graph has no cycles. A new edge is a design change: add it
// here and to the picture in the same commit.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Who may import whom (directly). Keys are package directories under packages/ and apps/. */
export const ALLOWED = {
  // Generic libraries and the shared toolkit: nothing of ours.
  'packages/toolkit': [],
  'packages/raft': [],
  'packages/gossip': [],
  'packages/tls': [],
  'packages/linearizability': [],
  'packages/hcl': [],
  // go-metrics: the registry and its sinks (in-memory, Prometheus, statsd); only the agent records metrics.
  'packages/metrics': ['toolkit'],
  // Consul's ACL rules and authorizer: parses rules with hcl, knows nothing of storage or transport.
  'packages/acl': ['hcl', 'toolkit'],
  // Consul's data model and the replicated state.
  'packages/catalog': ['toolkit'],
  'packages/kv': ['catalog', 'toolkit'],
  'packages/state': ['acl', 'catalog', 'kv', 'toolkit'],
  'packages/health': ['catalog', 'toolkit'],
  // Protocol front ends over narrow interfaces.
  'packages/http-api': ['acl', 'catalog', 'kv', 'state', 'toolkit'],
  'packages/dns': ['toolkit'],
  // Clients of any Consul-compatible agent.
  'packages/client': ['toolkit'],
  // The web UI: its browser app and the handler that serves it; imports nothing of ours.
  'packages/ui': [],
  'packages/template': ['client', 'hcl', 'toolkit'],
  'packages/watch': ['client', 'toolkit'],
  // Composition.
  'packages/agent': ['acl', 'catalog', 'kv', 'state', 'health', 'http-api', 'dns', 'raft', 'gossip', 'client', 'watch', 'hcl', 'metrics', 'ui', 'toolkit'],
  'packages/cli': ['agent', 'catalog', 'state', 'client', 'watch', 'tls', 'toolkit'],
  // Launchers.
  'apps/agent': ['cli'],
  'apps/template': ['template'],
  'apps/watch': ['watch'],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]@conclave\/([a-z-]+)(?:\/[a-z-]+)?['"]/g;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const problems = [];
const projects = ['packages', 'apps'].flatMap((top) => readdirSync(join(root, top)).map((n) => `${top}/${n}`));
for (const project of projects) {
  if (!existsSync(join(root, project, 'package.json'))) continue;
  const allowed = ALLOWED[project];
  if (!allowed) {
    problems.push(`${project}: not in the layer table (tools/layers/check-layers.mjs) nor in docs/architecture.md`);
    continue;
  }
  const self = project.startsWith('packages/') ? project.slice('packages/'.length) : undefined;
  const pkg = JSON.parse(readFileSync(join(root, project, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    const m = /^@conclave\/([a-z-]+)$/.exec(dep);
    if (m && !allowed.includes(m[1])) problems.push(`${project}/package.json: depends on ${dep}, which its layer may not import`);
  }
  for (const file of sourceFiles(join(root, project, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = m[1];
      if (target === self) {
        problems.push(`${relative(root, file)}: imports its own package by name (@conclave/${target}); use a relative import`);
      } else if (!allowed.includes(target)) {
        const line = text.slice(0, m.index).split('\n').length;
        problems.push(`${relative(root, file)}:${line}: imports @conclave/${target}, which ${project} may not import`);
      } else if (!Object.hasOwn({ ...pkg.dependencies, ...pkg.peerDependencies }, `@conclave/${target}`)) {
        problems.push(`${relative(root, file)}: imports @conclave/${target} but ${project}/package.json does not depend on it`);
      }
    }
  }
}

// The allowed graph itself must be acyclic.
const state = new Map();
function visit(node, path) {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'open') {
    problems.push(`layer table has a cycle: ${[...path, node].join(' -> ')}`);
    return;
  }
  state.set(node, 'open');
  for (const dep of ALLOWED[`packages/${node}`] ?? []) visit(dep, [...path, node]);
  state.set(node, 'done');
}
for (const key of Object.keys(ALLOWED)) if (key.startsWith('packages/')) visit(key.slice('packages/'.length), []);

if (problems.length > 0) {
  console.error(`Layer check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`Layer check: ${projects.length} projects, every @conclave import is an allowed edge, no cycles.`);
