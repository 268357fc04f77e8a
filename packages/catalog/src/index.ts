export {
  decodeRegisterRequest,
  decodeDeregisterRequest,
  decodeServiceInput,
  decodeCheckInput,
  isCommandFailure,
  VALID_STATUSES,
} from './catalog-commands.js';
export type {
  HealthStatus,
  ServiceWeights,
  ServiceAddress,
  ServiceInput,
  CheckInput,
  CatalogRegisterCommand,
  CatalogDeregisterCommand,
  CatalogCheckStatusCommand,
  CatalogCommand,
  CommandFailure,
} from './catalog-commands.js';
export { CatalogState, TOPIC_NODES, TOPIC_SERVICES, TOPIC_CHECKS, topicService } from './catalog-state.js';
export type { CatalogReader } from './catalog-state.js';
export type {
  QueryResult,
  NodeRecord,
  ServiceRecord,
  CheckRecord,
  NodeView,
  ServiceView,
  ServiceNodeView,
  CheckView,
  HealthEntry,
  NodeServicesView,
  ServiceQueryOptions,
  CatalogSnapshot,
} from './catalog-state.js';
export { aggregateStatus, NODE_MAINTENANCE_CHECK_ID, SERVICE_MAINTENANCE_CHECK_PREFIX } from './health-status.js';
