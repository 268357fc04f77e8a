// The slice of the state machine the agent reads, named once so the agent's files agree on it.
import type { StateMachine } from '@conclave/state';

export type { CheckInput, ServiceInput, ServiceView, CheckView, HealthEntry } from '@conclave/catalog';
export type StateMachineLike = Pick<StateMachine, 'catalog' | 'kv' | 'watches' | 'maxIndex' | 'lastIndex'>;
