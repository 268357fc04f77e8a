// Test certificates made with the openssl command line: a CA and a server certificate it signs for 127.0.0.1 and
// localhost, for tests that run a local HTTPS server and trust it through a CA bundle (an auth method's CACert,
// JWKSCACert, OIDCDiscoveryCACert). Each call makes fresh keys in a temporary directory and removes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA (`ca`, PEM) and a server certificate (`cert`, `key`) it signs for IP 127.0.0.1 and DNS localhost. */
export function makeTestCa(name = 'conclave test CA') {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-test-ca-'));
  try {
    openssl(dir, ['req', '-x509', ...EC, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', 'ca.key', '-out', 'ca.pem']);
    openssl(dir, ['req', ...EC, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem']);
    return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
