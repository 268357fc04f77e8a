// The package's own surface: what parseHcl returns besides the data (key positions), how errors read for people
// (file:line:col: reason) while keeping hashicorp/hcl's exact text, and the inputs it takes.
import { describe, expect, it } from 'vitest';
import { HclError, parseHcl } from '../src/index.js';

describe('parseHcl', () => {
  it('decodes blocks as lists of maps and records where every key was written', () => {
    const { root, positions } = parseHcl('datacenter = "dc1"\nports {\n  http = 8500\n}\nservice "web" {\n  port = 80\n}\n', 'a.hcl');
    expect(root).toEqual({ datacenter: 'dc1', ports: [{ http: 8500 }], service: [{ web: [{ port: 80 }] }] });
    expect(positions.of(root, 'datacenter')).toMatchObject({ line: 1, column: 1 });
    expect(positions.of(root, 'ports')).toMatchObject({ line: 2, column: 1 });
    const ports = (root.ports as Array<Record<string, unknown>>)[0]!;
    expect(positions.of(ports, 'http')).toMatchObject({ line: 3, column: 3 });
    const service = (root.service as Array<Record<string, unknown>>)[0]!;
    expect(positions.of(service, 'web')).toMatchObject({ line: 5, column: 9 });
  });

  it('counts columns in characters, as hashicorp/hcl does', () => {
    const { root, positions } = parseHcl('é = "ü"\n  name = "x"');
    expect(positions.of(root, 'name')).toMatchObject({ line: 2, column: 3 });
    expect(() => parseHcl('é = "ü" @')).toThrow('<input>:1:9: illegal char');
  });

  it('keeps a key named __proto__ as data', () => {
    const { root } = parseHcl('__proto__ = "x"\nconstructor = 1\n');
    expect(Object.keys(root)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(root['__proto__']).toBe('x');
  });

  it('takes bytes, and reports bytes that are not UTF-8 where they are', () => {
    expect(parseHcl(Buffer.from('a = "ok"\n')).root).toEqual({ a: 'ok' });
    expect(() => parseHcl(Buffer.from([0x61, 0x20, 0x3d, 0x20, 0x22, 0xff, 0x22, 0x0a]), 'b.hcl')).toThrow('b.hcl:1:6: illegal UTF-8 encoding');
  });
});

describe('HclError', () => {
  it('reads file:line:col: reason, and keeps the text hashicorp/hcl returns', () => {
    let err: HclError | undefined;
    try {
      parseHcl('service {\n  name = "web"\n  port 80\n}\n', '/etc/consul.d/web.hcl');
    } catch (e) {
      err = e as HclError;
    }
    expect(err).toBeInstanceOf(HclError);
    expect(err!.message).toBe('/etc/consul.d/web.hcl:3:8: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER');
    expect([err!.file, err!.line, err!.column, err!.reason]).toEqual(['/etc/consul.d/web.hcl', 3, 8, 'expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER']);
    expect(err!.goText).toBe('At 3:8: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER');
    expect(err!.panic).toBe(false);
  });

  it('gives the position of a value Go reports bare (strconv errors), and marks what Go panics on', () => {
    const conflict = catchHcl('port = 8500\nport = "eighty"\n');
    expect(conflict.message).toBe('<input>:2:8: strconv.ParseInt: parsing "eighty": invalid syntax');
    expect(conflict.goText).toBe('strconv.ParseInt: parsing "eighty": invalid syntax');
    const panic = catchHcl('x = "\\400"\n');
    expect(panic.panic).toBe(true);
    expect(panic.message).toBe('<input>:1:5: unquote "\\400" err: invalid syntax');
  });

  it('says what to change for a block name used with and without a label', () => {
    expect(catchHcl('service { }\nservice "x" { }\n').message).toBe(
      '<input>:1:1: root.service[0]: map must have string keys (the same block name is used both with and without a label, e.g. `service { }` and `service "x" { }`)',
    );
  });

  it('reads text starting with "{" as hashicorp/hcl does: its JSON dialect, flattened into blocks, without positions', () => {
    const { root, positions } = parseHcl('  {"ports": {"http": 8500}, "service": {"web": {"port": 80}}}');
    expect(root).toEqual({ ports: [{ http: 8500 }], service: [{ web: [{ port: 80 }] }] });
    expect(positions.of(root, 'ports')).toBeUndefined();
    expect(catchHcl('{"a": 01}', 'x.hcl').message).toBe('x.hcl:1:8: numbers cannot start with 0');
    expect(catchHcl('{"a" 1}', 'x.hcl').message).toBe('x.hcl: expected: STRING got: NUMBER');
  });
});

function catchHcl(src: string, file?: string): HclError {
  try {
    parseHcl(src, file);
  } catch (e) {
    if (e instanceof HclError) return e;
    throw e;
  }
  throw new Error('parsed');
}
