// Output given to a TTL check (pass/warn/fail/update) is bounded as Consul bounds it: the first output_max_size
// bytes and a note of how much was dropped. (Script and HTTP output keep the last bytes: @conclave/toolkit's TailBuffer.)

/** `<first max bytes> ... (captured <max> of <total> bytes)` when `output` is longer than `max` bytes. */
export function truncateTtlOutput(output: string, max: number): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= max) return output;
  return `${bytes.subarray(0, max).toString('utf8')} ... (captured ${max} of ${bytes.length} bytes)`;
}
