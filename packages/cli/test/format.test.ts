// The text layouts Consul's CLI prints: ryanuber/columnize, Go's text/tabwriter, mapToKV and encoding/json.
import { describe, expect, it } from 'vitest';
import { columnize, mapToKV, tabwrite } from '../src/format.js';

describe('format', () => {
  it('columnize pads each column but the last to its widest cell plus two spaces, trimming cells', () => {
    expect(columnize([['Node', 'Address', 'Status'], [' a ', '10.0.0.1:8301', 'alive'], ['longer-name', 'x', 'left']])).toBe(
      'Node         Address        Status\na            10.0.0.1:8301  alive\nlonger-name  x              left',
    );
  });

  it('columnize measures characters, not UTF-16 units', () => {
    expect(columnize([['𝒳', 'b'], ['ab', 'c']])).toBe('𝒳   b\nab  c');
  });

  it('tabwrite pads tab-terminated cells to the widest plus the padding and leaves the last cell as it is', () => {
    expect(tabwrite([['Key', 'a'], ['ModifyIndex', 'b ']])).toBe('Key              a\nModifyIndex      b ');
    expect(tabwrite([[' ID', 'x'], [' Size', 'y']], 2)).toBe(' ID    x\n Size  y');
  });

  it('mapToKV sorts keys', () => {
    expect(mapToKV({ b: '2', a: '1' }, ', ')).toBe('a=1, b=2');
    expect(mapToKV(null, ', ')).toBe('');
  });
});
