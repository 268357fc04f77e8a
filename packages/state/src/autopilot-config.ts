// Autopilot's configuration, replicated through the log as Consul keeps it in its state store (one row,
// autopilot-config): the leader writes the agent's `autopilot {}` settings when none is stored yet, and
// `PUT /v1/operator/autopilot/configuration` replaces the whole row (Consul's semantics: a field left out is its
// zero value), with `?cas=` comparing ModifyIndex. Durations are nanoseconds, as Go's time.Duration.

import { isPlainObject, type WatchHub } from '@conclave/toolkit';

export const TOPIC_AUTOPILOT = 'autopilot';

export interface AutopilotConfig {
  CleanupDeadServers: boolean;
  /** ns */
  LastContactThreshold: number;
  MaxTrailingLogs: number;
  MinQuorum: number;
  /** ns */
  ServerStabilizationTime: number;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
}

export interface StoredAutopilotConfig extends AutopilotConfig {
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's defaults (agent/config/default.go). */
export const DEFAULT_AUTOPILOT_CONFIG: AutopilotConfig = {
  CleanupDeadServers: true,
  LastContactThreshold: 200e6,
  MaxTrailingLogs: 250,
  MinQuorum: 0,
  ServerStabilizationTime: 10e9,
  RedundancyZoneTag: '',
  DisableUpgradeMigration: false,
  UpgradeVersionTag: '',
};

/** `autopilot.set`: replaces the row; with `Cas` only when the stored ModifyIndex equals it (false otherwise). */
export interface AutopilotSetCommand {
  type: 'autopilot.set';
  Config: AutopilotConfig;
  Cas?: number;
  /** The leader's first write: only when no row is stored yet (another leader may have written it). */
  InitOnly?: boolean;
}

export type AutopilotReader = Pick<AutopilotConfigState, 'get'>;

export class AutopilotConfigState {
  private row: StoredAutopilotConfig | undefined;

  constructor(private readonly watches: WatchHub) {}

  get(): StoredAutopilotConfig | undefined {
    return this.row ? { ...this.row } : undefined;
  }

  apply(command: AutopilotSetCommand, index: number): boolean {
    if (command.type !== 'autopilot.set') throw new Error(`unknown command type ${String(command.type)}`);
    const config = checkConfig(command.Config);
    if (command.InitOnly && this.row) return false;
    if (command.Cas !== undefined && command.Cas !== null) {
      if (!this.row || this.row.ModifyIndex !== command.Cas) return false;
    }
    this.row = { ...config, CreateIndex: this.row?.CreateIndex ?? index, ModifyIndex: index };
    this.watches.notifyTopic(TOPIC_AUTOPILOT);
    return true;
  }

  snapshot(): StoredAutopilotConfig | undefined {
    return this.get();
  }

  restore(row: StoredAutopilotConfig | undefined): void {
    this.row = row ? { ...checkConfig(row), CreateIndex: row.CreateIndex, ModifyIndex: row.ModifyIndex } : undefined;
  }
}

/** Every field with its Go type, or a throw (refused the same way on every replica). */
function checkConfig(c: unknown): AutopilotConfig {
  if (!isPlainObject(c)) throw new Error('autopilot configuration must be an object');
  const num = (k: string): number => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`autopilot ${k} must be a non-negative integer`);
    return v;
  };
  const bool = (k: string): boolean => {
    if (typeof c[k] !== 'boolean') throw new Error(`autopilot ${k} must be a boolean`);
    return c[k] as boolean;
  };
  const str = (k: string): string => {
    if (typeof c[k] !== 'string') throw new Error(`autopilot ${k} must be a string`);
    return c[k] as string;
  };
  return {
    CleanupDeadServers: bool('CleanupDeadServers'),
    LastContactThreshold: num('LastContactThreshold'),
    MaxTrailingLogs: num('MaxTrailingLogs'),
    MinQuorum: num('MinQuorum'),
    ServerStabilizationTime: num('ServerStabilizationTime'),
    RedundancyZoneTag: str('RedundancyZoneTag'),
    DisableUpgradeMigration: bool('DisableUpgradeMigration'),
    UpgradeVersionTag: str('UpgradeVersionTag'),
  };
}
