import { describe, expect, it } from 'vitest';
import { parseFilter } from '../src/filter-expression.js';

const entry = {
  Node: { Node: 'db1', Meta: { rack: 'r1', 'env-name': 'prod' } },
  Service: { Service: 'db', Tags: ['master', 'v1'], Port: 3306, EnableTagOverride: false },
  Checks: [
    { CheckID: 'serfHealth', Status: 'passing' },
    { CheckID: 'service:db', Status: 'warning' },
  ],
};

const match = (expr: string) => parseFilter(expr)(entry);

describe('?filter expressions (go-bexpr subset)', () => {
  it('compares selectors with ==, != on strings, numbers and booleans', () => {
    expect(match('Node.Meta.rack == r1')).toBe(true);
    expect(match('Node.Meta.rack == "r2"')).toBe(false);
    expect(match('Node.Meta["env-name"] == `prod`')).toBe(true);
    expect(match('Service.Port == 3306')).toBe(true);
    expect(match('Service.Port != 3306')).toBe(false);
    expect(match('Service.EnableTagOverride == false')).toBe(true);
  });

  it('supports in, not in, contains, is empty, matches', () => {
    expect(match('master in Service.Tags')).toBe(true);
    expect(match('"v2" not in Service.Tags')).toBe(true);
    expect(match('Service.Tags contains v1')).toBe(true);
    expect(match('Service.Tags not contains v1')).toBe(false);
    expect(match('Checks.Status contains warning')).toBe(true);
    expect(match('Service.Tags is not empty')).toBe(true);
    expect(match('Node.Meta.missing is empty')).toBe(true);
    expect(match('Node.Node matches "^db[0-9]+$"')).toBe(true);
    expect(match('rack in Node.Meta')).toBe(true);
  });

  it('combines with and, or, not and parentheses', () => {
    expect(match('Service.Port == 3306 and master in Service.Tags')).toBe(true);
    expect(match('Service.Port == 1 or (Node.Node == db1 and not Service.Tags contains v9)')).toBe(true);
    expect(match('not (Node.Node == db1)')).toBe(false);
  });

  it('rejects malformed expressions with a 400 ApiError', () => {
    for (const bad of ['', 'Node.Node ==', 'Node.Node = x', '(Node.Node == a', 'Node.Node == "x', 'Node.Node matches "("']) {
      expect(() => parseFilter(bad), bad).toThrow(/^Failed to create boolean expression evaluator: /);
      try {
        parseFilter(bad);
      } catch (err) {
        expect((err as { status: number }).status).toBe(400);
      }
    }
  });
});
