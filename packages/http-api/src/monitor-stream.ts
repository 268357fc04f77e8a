// GET /v1/agent/monitor's stream: one log sink (toolkit's LogSink) per client, writing lines to the response as
// chunked text. A client that reads slower than the agent logs must neither stall the agent nor grow its memory:
// once the socket stops taking writes (res.write answered false), lines wait in a queue of at most `limit`
// lines (Consul's monitor buffers 512) and further ones are dropped and counted. When the socket drains, the
// queue is written, then a line telling this client how many were dropped (Consul tells only the agent's log,
// when the request ends: the backend does that too, with the total). At most: the queue, plus what Node holds
// for one socket past its high-water mark, plus one line.
import type { ServerResponse } from 'node:http';
import { formatLogLine, type LogFormat, type LogLevel, type LogSink } from '@conclave/toolkit';

export const MONITOR_BUFFER_LINES = 512;

export class MonitorStream implements LogSink {
  private readonly queue: string[] = [];
  private blocked = false;
  private closed = false;
  /** Lines dropped since the last drop notice this client was sent. */
  private unreported = 0;
  /** Lines dropped over the whole request. */
  dropped = 0;
  /** The most lines the queue ever held (tests assert the bound on it). */
  maxQueued = 0;

  constructor(
    private readonly res: ServerResponse,
    readonly level: LogLevel,
    readonly format: LogFormat,
    private readonly limit = MONITOR_BUFFER_LINES,
  ) {
    res.on('drain', () => this.drain());
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Bytes Node holds for this response's socket, not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  /** Where Node starts saying "stop" for this response (16 KiB on Node 20, 64 KiB from Node 22). */
  get highWaterMark(): number {
    return this.res.writableHighWaterMark;
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.blocked || this.queue.length > 0) {
      if (this.queue.length < this.limit) {
        this.queue.push(line);
        if (this.queue.length > this.maxQueued) this.maxQueued = this.queue.length;
      } else {
        this.dropped++;
        this.unreported++;
      }
      return;
    }
    this.send(line);
  }

  /** The client went away (or the server is closing): nothing more is written or kept. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private send(line: string): void {
    // One write per line. Not corked: on Node 22 a response that reported "full" while corked never emitted
    // 'drain' again, and the monitor stayed blocked for good (the slow-reader test hung there).
    try {
      if (!this.res.write(line + '\n')) this.blocked = true;
    } catch {
      this.close();
    }
  }


  private drain(): void {
    this.blocked = false;
    while (!this.closed && !this.blocked && this.queue.length > 0) this.send(this.queue.shift()!);
    if (!this.closed && !this.blocked && this.unreported > 0) {
      const n = this.unreported;
      this.unreported = 0;
      this.send(formatLogLine(this.format, new Date(), 'warn', 'agent', 'Dropped logs during monitor request', { dropped_count: n }));
    }
  }
}
