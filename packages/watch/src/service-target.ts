// The article's `consul watch -type service -service master.db`: `master.db` is the DNS form `<tag>.<service>`.
// When the catalog has no service by that literal name, the watch asks for tag `master` of service `db` instead.
// Decided once, when the watch starts.
import type { ConsulClient, QueryOptions } from '@conclave/client';
import type { ServiceTarget } from './watch-query.js';

/** Splits `tag.service` at the first dot; undefined when the name has no dot or an empty side. */
export function splitTaggedServiceName(name: string): ServiceTarget | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return { tags: [name.slice(0, dot)], service: name.slice(dot + 1) };
}

/**
 * The literal service when it exists (or the name has no dot), else the `tag.service` reading, with the tag added
 * to the ones asked for. Throws what the catalog read throws.
 */
export async function resolveServiceTarget(
  client: ConsulClient,
  service: string,
  tags: readonly string[],
  options: QueryOptions = {},
): Promise<ServiceTarget & { split: boolean }> {
  const split = splitTaggedServiceName(service);
  if (!split) return { service, tags: [...tags], split: false };
  const { body } = await client.catalog.services(options);
  if (Object.hasOwn(body, service)) return { service, tags: [...tags], split: false };
  const merged = [...split.tags, ...tags.filter((t) => t !== split.tags[0])];
  return { service: split.service, tags: merged, split: true };
}
