// /v1/status/leader and /v1/status/peers.

import { ApiError } from './api-error.js';
import type { ApiCall } from './api-call.js';

export function handleStatus(call: ApiCall): void {
  switch (call.rest) {
    case 'leader':
      if (call.allow('GET')) {
        call.checkDatacenter();
        call.json(200, call.backend.leadership().leaderAddress);
      }
      return;
    case 'peers':
      if (call.allow('GET')) {
        call.checkDatacenter();
        call.json(200, call.backend.peers());
      }
      return;
  }
  throw new ApiError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
}
