// Runs an async job so that calls made while it runs coalesce into one more run after it, never two at once:
// a burst of changes costs at most one extra pass, and every change is seen by a pass that starts after it.
export class CoalescedRun {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly job: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.job();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
