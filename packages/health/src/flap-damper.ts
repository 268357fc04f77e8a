// Consul's StatusHandler: a check's reported status changes only after enough consecutive results agree
// (`success_before_passing`, `failures_before_warning`, `failures_before_critical`). Counters start at their
// thresholds so the very first result is reported at once; a warning result counts as a success, as in Consul.

import type { CheckStatus } from './check-definition.js';

export class FlapDamper {
  private successes: number;
  private failures: number;

  constructor(
    private readonly successBeforePassing: number,
    private readonly failuresBeforeWarning: number,
    private readonly failuresBeforeCritical: number,
  ) {
    this.successes = successBeforePassing;
    this.failures = failuresBeforeCritical;
  }

  /** The status to report for a new result, or undefined when the current status should stand. */
  apply(status: CheckStatus): CheckStatus | undefined {
    if (status === 'passing' || status === 'warning') {
      this.successes++;
      this.failures = 0;
      return this.successes >= this.successBeforePassing ? status : undefined;
    }
    this.failures++;
    this.successes = 0;
    if (this.failures >= this.failuresBeforeCritical) return 'critical';
    // A failure not yet counted enough for critical may already be enough for warning.
    if (this.failures >= this.failuresBeforeWarning) return 'warning';
    return undefined;
  }
}
