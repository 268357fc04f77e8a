// The ?filter language's own behaviour, beside its comparison with go-bexpr (bexpr-conformance.test.ts): what a
// missing JSON field reads as, go-bexpr's rule for missing map keys, and the parser's memoisation — pigeon's
// backtracking parser is exponential in nesting depth, ours must not be.
import { describe, expect, it } from 'vitest';
import { BexprError, createFilter } from '../src/bexpr-filter.js';
import { AGENT_SERVICE_TYPE, CHECK_SERVICE_NODE_TYPE, NODE_TYPE } from '../src/filter-types.js';

describe('?filter evaluation', () => {
  it("reads a field the JSON lacks as Go's zero value", () => {
    expect(createFilter('Port == 0', AGENT_SERVICE_TYPE)({ ID: 'a' })).toBe(true);
    expect(createFilter('Tags is empty', AGENT_SERVICE_TYPE)({ ID: 'a' })).toBe(true);
    expect(createFilter('Proxy.DestinationServiceName == ""', AGENT_SERVICE_TYPE)({ ID: 'a' })).toBe(true);
    expect(createFilter('EnableTagOverride == false', AGENT_SERVICE_TYPE)({})).toBe(true);
  });

  it('treats a missing map key as go-bexpr 0.1.2 does: == and in are false, the rest (matches too) true', () => {
    const node = { Node: 'n1', Meta: { rack: 'r1' } };
    const at = (e: string) => createFilter(e, NODE_TYPE)(node);
    expect([at('Meta.zone == x'), at('x in Meta.zone')]).toEqual([false, false]);
    expect([at('Meta.zone != x'), at('x not in Meta.zone'), at('Meta.zone matches "x"'), at('Meta.zone not matches "x"')]).toEqual([true, true, true, true]);
  });

  it('matches a selector through a slice when any element does', () => {
    const entry = { Checks: [{ Status: 'passing' }, { Status: 'critical' }] };
    expect(createFilter('Checks.Status == critical', CHECK_SERVICE_NODE_TYPE)(entry)).toBe(true);
    expect(createFilter('Checks.Status != critical', CHECK_SERVICE_NODE_TYPE)(entry)).toBe(true);
    expect(createFilter('not Checks.Status == critical', CHECK_SERVICE_NODE_TYPE)(entry)).toBe(false);
  });

  it('parses deep nesting without backtracking blow-up (pigeon takes 4^depth steps: 4^60 would never end)', () => {
    const deep = `${'('.repeat(60)}Node == n1${')'.repeat(60)}`;
    expect(createFilter(deep, NODE_TYPE)({ Node: 'n1' })).toBe(true);
    const unbalanced = `${'('.repeat(60)}Node == n1${')'.repeat(59)}`;
    expect(() => createFilter(unbalanced, NODE_TYPE)).toThrow(/^Failed to create boolean expression evaluator: 1:\d+ \(\d+\): /);
    const notNot = `${'not '.repeat(61)}Node == n1`;
    expect(createFilter(notNot, NODE_TYPE)({ Node: 'n1' })).toBe(false);
  });

  it('refuses nesting deeper than the stack, as a bad expression rather than a crash', () => {
    const tooDeep = `${'('.repeat(5000)}Node == n1${')'.repeat(5000)}`;
    expect(() => createFilter(tooDeep, NODE_TYPE)).toThrow(new BexprError('Failed to create boolean expression evaluator: expression nests too deeply'));
  });
});
