// Where each key of a JSON config file was written, so a JSON file's errors name a line and column as an HCL
// file's do. JSON.parse has already accepted the text; this walks it alongside the parsed value.
import type { KeyPositions } from '@conclave/hcl';

export function recordJsonKeyPositions(text: string, value: unknown, positions: KeyPositions): void {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const posAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const walk = (v: unknown): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      for (;;) {
        ws();
        if (text[i] === '}' || i >= text.length) break;
        const at = i;
        const key = string();
        if (obj) positions.set(obj, key, posAt(at));
        ws();
        i++; // ':'
        walk(obj && Object.hasOwn(obj, key) ? obj[key] : undefined);
        ws();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '[') {
      i++;
      const list = Array.isArray(v) ? v : undefined;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']' || i >= text.length) break;
        walk(list?.[n]);
        ws();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    }
  };
  walk(value);
}
