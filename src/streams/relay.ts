// Cross-replica transport of log streams over the bus (Postgres LISTEN/NOTIFY; in-process on PGlite).
// Each replica listens on one broadcast channel and one of its own. Messages to one replica leave through
// a single pump that publishes one payload at a time, in order — NOTIFYs from different connections may
// otherwise overtake each other — and that retries a failed publish without moving its cursor: lines wait
// in the stream's buffer, never lost to a NOTIFY error. While a publish is in flight new entries pile up
// and leave together in the next payload, so a busy stream costs payloads, not one NOTIFY per line.
import type { Bus } from '../db/bus';
import type { Logger } from '../log';
import type { Entry } from './ring';
import { BROADCAST_CHANNEL, encodeEntries, replicaChannel, type RelayMsg } from './wire';

/** What the hub has for one replica: per stream, entries after what that replica was sent. */
export type PendingWork = { streamId: string; entries: Entry[]; sent(through: number): void };

export interface RelaySource {
  pending(replica: string): PendingWork[];
  /** A message from another replica (already parsed). */
  receive(msg: RelayMsg): void;
}

const RETRY_FIRST_MS = 50;
const RETRY_CAP_MS = 2000;

type Pump = { running: boolean; again: boolean; control: RelayMsg[] };

export class Relay {
  private readonly pumps = new Map<string, Pump>();
  private listening: Promise<void> | null = null;
  private unsubscribers: (() => Promise<void>)[] = [];
  private closed = false;
  /** Publishes that failed and were retried (for tests and logs). */
  retries = 0;

  constructor(
    private readonly bus: Bus,
    readonly replicaId: string,
    private readonly source: RelaySource,
    private readonly log: Logger,
  ) {}

  /** Subscribes once (both channels); resolves when messages published from now on will arrive. */
  listen(): Promise<void> {
    this.listening ??= (async () => {
      const onMessage = (payload: string): void => {
        let msg: RelayMsg;
        try {
          msg = JSON.parse(payload) as RelayMsg;
        } catch {
          this.log.warn('log relay: payload is not JSON', { bytes: payload.length });
          return;
        }
        this.source.receive(msg);
      };
      this.unsubscribers.push(await this.bus.subscribe(BROADCAST_CHANNEL, onMessage));
      this.unsubscribers.push(await this.bus.subscribe(replicaChannel(this.replicaId), onMessage));
    })().catch((error) => {
      // The database is unreachable: the next caller tries again.
      this.listening = null;
      throw error;
    });
    return this.listening;
  }

  /** To every replica (this one included). Retried like data: the message matters (adopt, owned). */
  async broadcast(msg: RelayMsg): Promise<void> {
    await this.publish(BROADCAST_CHANNEL, JSON.stringify(msg));
  }

  /** A control message to one replica, ordered with the data sent to it. */
  send(replica: string, msg: RelayMsg): void {
    if (replica === this.replicaId) {
      this.source.receive(msg);
      return;
    }
    this.pumpFor(replica).control.push(msg);
    this.kick(replica);
  }

  /** There may be entries for `replica`: start its pump (or have the running one look again). */
  kick(replica: string): void {
    const pump = this.pumpFor(replica);
    if (pump.running) {
      pump.again = true;
      return;
    }
    pump.running = true;
    void this.run(replica, pump).catch(() => {});
  }

  private pumpFor(replica: string): Pump {
    let pump = this.pumps.get(replica);
    if (!pump) this.pumps.set(replica, (pump = { running: false, again: false, control: [] }));
    return pump;
  }

  private async run(replica: string, pump: Pump): Promise<void> {
    const channel = replicaChannel(replica);
    try {
      for (;;) {
        pump.again = false;
        while (pump.control.length > 0) {
          await this.publish(channel, JSON.stringify(pump.control[0]));
          pump.control.shift();
        }
        const work = this.source.pending(replica);
        for (const w of work) {
          for (const payload of encodeEntries(w.streamId, w.entries)) {
            await this.publish(channel, payload.text);
            w.sent(payload.through);
          }
        }
        if (this.closed || (work.length === 0 && pump.control.length === 0 && !pump.again)) break;
      }
    } finally {
      pump.running = false;
      if (pump.control.length === 0) this.pumps.delete(replica);
    }
  }

  /** Publishes, retrying with backoff until it goes through (or the relay is closed). */
  private async publish(channel: string, text: string): Promise<void> {
    let wait = RETRY_FIRST_MS;
    for (;;) {
      try {
        await this.bus.publish(channel, text);
        return;
      } catch (error) {
        if (this.closed) throw error;
        this.retries++;
        this.log.warn('log relay: publish failed; retrying', { channel, waitMs: wait, error: String(error) });
        await Bun.sleep(wait);
        wait = Math.min(RETRY_CAP_MS, wait * 2);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) await unsubscribe().catch(() => {});
  }
}
