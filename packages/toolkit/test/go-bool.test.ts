import { describe, expect, it } from 'vitest';
import { goBoolErrorText, parseGoBool } from '../src/index.js';

describe('parseGoBool', () => {
  it('takes exactly strconv.ParseBool spellings', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false);
    for (const x of ['', 'yes', 'tRUE', ' true', 'on']) expect(parseGoBool(x)).toBeUndefined();
  });
  it("gives Go's error text", () => {
    expect(goBoolErrorText('yes')).toBe('strconv.ParseBool: parsing "yes": invalid syntax');
  });
});
