// The agent's one root logger, built from its configuration as Consul's logging.Setup does: hclog text (or JSON
// with log_json) at log_level on stderr and, with log_file, in a rotated file (toolkit's LogFile). Monitors add
// their own sinks later (api-backend.ts); a reload changes the level (agent.ts).
import { LogFile, createLogger, type RootLogger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';

export interface AgentLogging {
  logger: RootLogger;
  /** The file being written, when log_file is set. */
  file: LogFile | undefined;
  close(): void;
}

type LogSettings = Pick<AgentConfig, 'logLevel' | 'logJson' | 'logFile' | 'logRotateBytes' | 'logRotateDurationNs' | 'logRotateMaxFiles'>;

/** Throws Error('Failed to setup logging: open <path>: <reason>') when the log file cannot be opened. */
export function startAgentLogging(cfg: LogSettings, stderr: (line: string) => void, now?: () => number): AgentLogging {
  let file: LogFile | undefined;
  if (cfg.logFile !== '') {
    file = new LogFile({
      path: cfg.logFile,
      rotateBytes: cfg.logRotateBytes,
      rotateDurationMs: cfg.logRotateDurationNs / 1e6,
      maxFiles: cfg.logRotateMaxFiles,
      now,
      onError: (err) => stderr(`==> Writing the log file ${file?.path ?? cfg.logFile} failed: ${err.message}; logging to stderr only`),
    });
  }
  const f = file;
  const logger = createLogger({
    level: cfg.logLevel,
    name: 'agent',
    format: cfg.logJson ? 'json' : 'text',
    write: f
      ? (line) => {
          stderr(line);
          f.write(line);
        }
      : stderr,
  });
  return { logger, file, close: () => file?.close() };
}
