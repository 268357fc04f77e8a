// The catalog's shapes the agent's files use, named in one place.
export type { CheckInput, ServiceInput, ServiceView, CheckView, HealthEntry } from '@conclave/catalog';
