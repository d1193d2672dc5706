// What the loops share: the agent key and whether the control plane currently rejects it.

export class AgentSession {
  private rejected = false;
  private readonly changes = new EventTarget();

  constructor(
    public key: string,
    public clusterId: string,
  ) {}

  get keyRejected(): boolean {
    return this.rejected;
  }

  /** Called on 401 from any endpoint: the other loops slow down until a heartbeat succeeds again. */
  markKeyRejected(): void {
    this.rejected = true;
  }

  markKeyAccepted(): void {
    if (!this.rejected) return;
    this.rejected = false;
    this.changes.dispatchEvent(new Event('accepted'));
  }

  replaceKey(key: string, clusterId: string): void {
    this.key = key;
    this.clusterId = clusterId;
    this.markKeyAccepted();
  }

  /** Resolves when the key is accepted again, after `ms`, or on abort — whichever comes first. */
  waitWhileRejected(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.rejected || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.changes.removeEventListener('accepted', finish);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.changes.addEventListener('accepted', finish, { once: true });
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
