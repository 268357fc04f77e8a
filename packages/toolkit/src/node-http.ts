// node:http, loaded with require(). An ESM import of node:http builds its module namespace by reading every
// export, and since Node 22 three of them (WebSocket, CloseEvent, MessageEvent) are lazy getters that load
// undici with fetch, http2, TLS and web streams: 8–13 MB more RSS in every agent, which uses none of them.
// Import node:http's types with `import type`, its values from here.
import { createRequire } from 'node:module';

export const nodeHttp = createRequire(import.meta.url)('node:http') as typeof import('node:http');
