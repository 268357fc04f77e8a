export { checkLinearizable, type CheckResult, type HistoryOp } from './check-linearizable.js';
export type { KvOp, KvResult } from './register-model.js';
