import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port.mjs';

const ephemeral = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('hands out distinct ports below the ephemeral range, each bindable', async () => {
  const ports = [];
  for (let i = 0; i < 20; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, 20);
  for (const p of ports) assert.ok(p >= 10000 && p < ephemeral, `${p} outside 10000-${ephemeral}`);
  const srv = createServer();
  await new Promise((r) => srv.listen(ports[0], '127.0.0.1', r));
  await new Promise((r) => srv.close(r));
});

test('skips a port something else holds', async () => {
  const held = await freePort();
  const srv = createServer();
  await new Promise((r) => srv.listen(held + 1, '127.0.0.1', r));
  try {
    const got = await freePort();
    assert.notEqual(got, held + 1);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
