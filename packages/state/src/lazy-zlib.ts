// node:zlib's functions the snapshot archive uses, loaded on their first call: every agent imports this package,
// and zlib costs an idle client agent about 2 MB of RSS on Node 24 for archives only servers and the CLI write.
import type * as zlib from 'node:zlib';
import { lazyNode } from '@conclave/toolkit';

type AnyFn = (...args: unknown[]) => unknown;
const late = <K extends 'createGzip' | 'createGunzip' | 'gunzip' | 'gunzipSync' | 'gzipSync'>(name: K) =>
  ((...args: unknown[]) => (lazyNode.zlib()[name] as AnyFn)(...args)) as unknown as (typeof zlib)[K];

export const createGzip = late('createGzip');
export const createGunzip = late('createGunzip');
export const gunzip = late('gunzip');
export const gunzipSync = late('gunzipSync');
export const gzipSync = late('gzipSync');
