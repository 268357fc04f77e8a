// The one HTTP helper of the harness: a request to a host's API with a deadline.
export async function http(host, method, path, body, timeoutMs = 2000, port = host.port ?? 8500) {
  const res = await fetch(`http://${host.ip}:${port}${path}`, { method, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text(), index: Number(res.headers.get('x-consul-index') ?? 0) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
