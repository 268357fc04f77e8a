// consul-template functions beyond the data functions: writeToFile (against the file system), sockaddr (its
// go-sockaddr expressions over a fixed interface table), and the Vault/Nomad/Connect names refused with a reason.
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DependencyStore, parseConsulTemplate } from '../src/internal.js';
import { sockaddr } from '../src/sockaddr.js';

const render = (text: string) => parseConsulTemplate('t', text, { env: {} }).render(new DependencyStore()).output;

describe('writeToFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'write-to-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, appends, adds newlines, sets the mode and creates parent directories', () => {
    const f = join(dir, 'new', 'sub', 'out.txt');
    expect(render(`{{ "one" | writeToFile "${f}" "" "" "0640" }}done`)).toBe('done');
    expect(readFileSync(f, 'utf8')).toBe('one');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    render(`{{ "two" | writeToFile "${f}" "" "" "0600" "append,newline" }}`);
    expect(readFileSync(f, 'utf8')).toBe('onetwo\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    render(`{{ "three" | writeToFile "${f}" "" "" "0600" }}`);
    expect(readFileSync(f, 'utf8')).toBe('three');
  });

  it('sets the owner by numeric id, and names an unknown user', () => {
    const f = join(dir, 'owned.txt');
    render(`{{ "x" | writeToFile "${f}" "${process.getuid!()}" "${process.getgid!()}" "0644" }}`);
    expect(lstatSync(f).uid).toBe(process.getuid!());
    expect(() => render(`{{ "x" | writeToFile "${f}" "no-such-user-xyz" "" "0644" }}`)).toThrow('error calling writeToFile: user: unknown user no-such-user-xyz');
  });

  it('refuses symlinks (final component or parent) and bad permissions', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'linkdir'));
    symlinkSync(join(dir, 'real', 'target'), join(dir, 'link.txt'));
    expect(() => render(`{{ "x" | writeToFile "${join(dir, 'link.txt')}" "" "" "0644" }}`)).toThrow(`writeToFile: refusing to write to symlink "${join(dir, 'link.txt')}"`);
    expect(() => render(`{{ "x" | writeToFile "${join(dir, 'linkdir', 'f')}" "" "" "0644" }}`)).toThrow('writeToFile: refusing to write through symlinked directory');
    expect(() => render(`{{ "x" | writeToFile "${join(dir, 'p')}" "" "" "rw" }}`)).toThrow('strconv.ParseUint: parsing "rw": invalid syntax');
  });
});

describe('sockaddr', () => {
  const table = () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, cidr: '127.0.0.1/8', netmask: '255.0.0.0', mac: '', }],
    eth0: [
      { address: '10.1.2.3', family: 'IPv4', internal: false, cidr: '10.1.2.3/24', netmask: '255.255.255.0', mac: '' },
      { address: 'fe80::1', family: 'IPv6', internal: false, cidr: 'fe80::1/64', netmask: 'ffff:ffff:ffff:ffff::', mac: '', scopeid: 2 },
    ],
    eth1: [{ address: '198.100.0.9', family: 'IPv4', internal: false, cidr: '198.100.0.9/24', netmask: '255.255.255.0', mac: '' }],
  }) as unknown as ReturnType<typeof import('node:os').networkInterfaces>;

  it('evaluates go-sockaddr expressions', () => {
    expect(sockaddr(['GetPrivateIP'], table)).toBe('10.1.2.3');
    expect(sockaddr(['GetPublicIP'], table)).toBe('198.100.0.9');
    expect(sockaddr(['GetInterfaceIP', '"eth1"'], table)).toBe('198.100.0.9');
    expect(sockaddr(['GetAllInterfaces', '|', 'include', '"name"', '"eth0"', '|', 'join', '"address"', '" "'], table)).toBe('10.1.2.3 fe80::1');
    expect(sockaddr(['GetPrivateInterfaces', '|', 'attr', '"name"'], table)).toBe('eth0');
    // go-sockaddr answers "" for an interface that does not exist.
    expect(sockaddr(['GetInterfaceIP', '"eth9"'], table)).toBe('');
  });

  it('is reachable from templates as consul-template calls it', () => {
    const out = render('{{ sockaddr "GetAllInterfaces | include \\"flag\\" \\"loopback\\" | attr \\"address\\"" }}');
    expect(out).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});

describe('parseYAML errors', () => {
  it('have yaml.v2\'s "yaml: line N:" shape', () => {
    expect(() => render('{{ parseYAML "a: [unclosed" }}')).toThrow(/error calling parseYAML: yaml: line 1: /);
  });
});

describe('functions conclave-template refuses by name', () => {
  it.each([
    ['{{ secret "kv/data/x" }}', 'error calling secret: secret: Vault is not supported by conclave-template'],
    ['{{ nomadService "web" }}', 'error calling nomadService: nomadService: Nomad is not supported by conclave-template'],
    ['{{ range connect "web" }}{{ end }}', 'error calling connect: connect: Connect (service mesh) is not supported by conclave-template'],
    ['{{ sprig_bcrypt "x" }}', 'error calling sprig_bcrypt: sprig_bcrypt is not supported by conclave-template'],
  ])('%s', (text, message) => {
    expect(() => render(text)).toThrow(message);
  });
});
