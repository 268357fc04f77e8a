import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { DnsQueryHandler, type WireEntryListener } from './dns-query-handler.js';
import { resolveDnsOptions, type DnsServerOptions } from './options.js';
import type { DnsTransport } from './transport.js';
import { EPOCH_CELL, UdpReaders, VERSION_CELL, type ReaderMessageQuery } from './udp-readers.js';
import { WireAnswerCache } from './wire-answer-cache.js';

/** A running DNS server. */
export interface DnsServer {
  /** The address UDP and TCP listen on. */
  readonly host: string;
  /** The port UDP and TCP share (the chosen one when `port` was 0). */
  readonly port: number;
  /**
   * Answers from now on with these settings (Consul reloads its whole dns_config on SIGHUP). Where the server
   * listens, its data source and its domains stay: those need a restart. Throws DnsConfigError for bad values,
   * keeping the settings it had.
   */
  reload(options: DnsReloadableOptions): void;
  /** UDP reader threads answering besides the main thread now (see `udpReaders`). */
  readonly udpReaderThreads: number;
  /** Stops listening, closes TCP connections and abandons forwarded queries. */
  close(): Promise<void>;
}

/** What `reload` may change. */
export type DnsReloadableOptions = Omit<DnsServerOptions, 'source' | 'host' | 'port' | 'domain' | 'altDomain' | 'logger' | 'random' | 'now' | 'udpReaders' | 'udpReadersStartRate'>;

/** Idle TCP connections are closed after this long, as DNS servers commonly do. */
const TCP_IDLE_TIMEOUT_MS = 10_000;
/** Queries answered concurrently per TCP connection before reading pauses (backpressure). */
const TCP_MAX_PENDING = 64;
const TCP_MAX_CONNECTIONS = 1024;
/** Attempts to find a port free for both UDP and TCP when `port` is 0. */
const PORT_ATTEMPTS = 20;

/**
 * dgram sends every datagram through its socket's lookup (dns.lookup by default, which answers on the next tick)
 * even when the destination is the IP literal a query came from; answering literals at once takes that hop (a
 * closure, a nextTick) off every reply. Names still go to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = net.isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dns.lookup(hostname, options, callback);
}

/**
 * Starts a Consul-compatible DNS server over `options.source`, listening on UDP and TCP on one port.
 * Throws DnsConfigError for invalid options and the socket error when the port cannot be bound.
 */
export async function createDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const opts = resolveDnsOptions(options);
  const source = opts.source;
  // More readers need the version pushed to them (onChange) and replies to cache (version): see udp-readers.ts.
  const shareable = opts.udpReaders > 0 && opts.maxCacheEntries > 0 && source.version !== undefined && source.onChange !== undefined;
  const cells = shareable ? new Int32Array(new SharedArrayBuffer(8)) : undefined;
  let readers: UdpReaders | undefined;
  /** waiting: not yet under load; then starting, running, or unavailable (no reusePort, or closed). */
  let readersState: 'waiting' | 'starting' | 'running' | 'unavailable' = shareable ? 'waiting' : 'unavailable';
  const stopVersionPush = cells
    ? source.onChange!(() => Atomics.store(cells, VERSION_CELL, Number(source.version!()) | 0))
    : undefined;
  if (cells) Atomics.store(cells, VERSION_CELL, Number(source.version!()) | 0);
  /** Hands the readers each plain reply the handler caches, stamped with the settings epoch it was made under. */
  const feedReaders = (epoch: number): WireEntryListener => (key, transport, entry) => {
    if (readers === undefined || transport !== 'udp' || entry.bytes === undefined || entry.second >= 0) return;
    readers.entry(key, Number(entry.version) | 0, epoch, entry.bytes);
  };
  const newHandler = (o: typeof opts): DnsQueryHandler => {
    const h = new DnsQueryHandler(o);
    if (cells) h.onWireEntry = feedReaders(Atomics.load(cells, EPOCH_CELL));
    return h;
  };
  let handler = newHandler(opts);
  /** Handlers replaced by `reload`, closed once their forwarded queries had time to finish. */
  const retired = new Set<DnsQueryHandler>();
  let current = options;
  let currentResolved = opts;
  const log = opts.logger;
  const onQuery = options.onQuery;
  const family = net.isIP(opts.host) === 6 ? 'udp6' : 'udp4';

  /** Answers one message; `finish` runs once the reply was sent or dropped. */
  const respond = (message: Buffer, transport: DnsTransport, send: (reply: Buffer) => void, finish?: () => void): void => {
    const started = onQuery ? performance.now() : 0;
    let out: ReturnType<DnsQueryHandler['handle']>;
    try {
      out = handler.handle(message, transport);
    } catch (err) {
      log.error('query handling failed', { error: (err as Error).message });
      finish?.();
      return;
    }
    if (!(out instanceof Promise)) {
      if (out) send(out);
      onQuery?.(performance.now() - started);
      finish?.();
      return;
    }
    out.then(
      (reply) => {
        if (reply) send(reply);
        onQuery?.(performance.now() - started);
        finish?.();
      },
      (err: unknown) => {
        log.error('query handling failed', { error: (err as Error).message });
        finish?.();
      },
    );
  };

  let loadCount = 0;
  let loadSince = performance.now();
  const wireUdp = (sock: dgram.Socket): dgram.Socket => {
    // Send errors surface as 'error' events; UDP has no one to tell, so they are only logged.
    sock.on('error', (err) => log.debug('udp socket error', { error: err.message }));
    sock.on('message', (msg, rinfo) => {
      // The readers start once udpReadersStartRate queries arrive within a second (checked every that many queries).
      if (readersState === 'waiting' && ++loadCount >= opts.udpReadersStartRate) {
        const now = performance.now();
        if (now - loadSince < 1000) startReaders();
        loadCount = 0;
        loadSince = now;
      }
      // The hot path: a cached answer comes back synchronously and goes straight out, no closures.
      const started = onQuery ? performance.now() : 0;
      let out: ReturnType<DnsQueryHandler['handle']>;
      try {
        out = handler.handle(msg, 'udp');
      } catch (err) {
        log.error('query handling failed', { error: (err as Error).message });
        return;
      }
      if (out === undefined) return;
      if (!(out instanceof Promise)) {
        sock.send(out, rinfo.port, rinfo.address);
        onQuery?.(performance.now() - started);
        return;
      }
      out.then(
        (reply) => {
          if (reply) sock.send(reply, rinfo.port, rinfo.address);
          onQuery?.(performance.now() - started);
        },
        (err: unknown) => log.error('query handling failed', { error: (err as Error).message }),
      );
    });
    return sock;
  };

  const connections = new Set<net.Socket>();
  const tcp = net.createServer((socket) => serveTcpConnection(socket));
  tcp.maxConnections = TCP_MAX_CONNECTIONS;
  tcp.on('error', (err) => log.error('tcp server error', { error: err.message }));

  function serveTcpConnection(socket: net.Socket): void {
    connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(TCP_IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    let buffered: Buffer = Buffer.alloc(0);
    let pending = 0;
    const send = (reply: Buffer): void => {
      if (socket.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      socket.write(frame);
    };
    const done = (): void => {
      pending--;
      if (pending < TCP_MAX_PENDING && socket.isPaused()) socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      // A frame is at most 2 + 65535 bytes, so the buffer stays bounded by one frame plus one chunk.
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const message = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        pending++;
        respond(message, 'tcp', send, done);
      }
      if (pending >= TCP_MAX_PENDING) socket.pause();
    });
  }

  const bindUdp = (sock: dgram.Socket, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      sock.once('error', onError);
      sock.bind({ port, address: opts.host, exclusive: true }, () => {
        sock.off('error', onError);
        resolve(sock.address().port);
      });
    });
  const listenTcp = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        tcp.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        tcp.off('error', onError);
        resolve();
      };
      tcp.once('error', onError);
      tcp.once('listening', onListening);
      tcp.listen({ port, host: opts.host, exclusive: true });
    });

  // Bind UDP first (the OS picks the port when it is 0), then TCP on the same number; with port 0, retry
  // on a fresh port when TCP finds that number taken.
  let udp: dgram.Socket | undefined;
  let port = 0;
  for (let attempt = 0; udp === undefined; attempt++) {
    // reusePort lets the reader threads bind the port too (Node 20 ignores it; TCP stays exclusive, so a second
    // server on the port still fails with EADDRINUSE).
    const sock = dgram.createSocket({ type: family, lookup: literalLookup, ...(shareable ? { reusePort: true } : {}) } as dgram.SocketOptions);
    const chosen = await bindUdp(sock, opts.port);
    try {
      await listenTcp(chosen);
      udp = wireUdp(sock);
      port = chosen;
    } catch (err) {
      sock.close();
      if (opts.port !== 0 || attempt + 1 >= PORT_ATTEMPTS) throw err;
    }
  }
  const udpSocket = udp;
  log.debug('listening', { host: opts.host, port, udp: true, tcp: true });

  /** A query a reader could not answer from its cache: answered here, through this thread's socket on the port. */
  const answerForReader = (q: ReaderMessageQuery): void => {
    const msg = Buffer.from(q.message.buffer, q.message.byteOffset, q.message.length);
    respond(msg, 'udp', (reply) => udpSocket.send(reply, q.port, q.address));
    // Answered from this thread's wire cache (no new entry made): the reader gets that entry too.
    const key = WireAnswerCache.keyOf(msg);
    const entry = key !== undefined ? handler.wireEntry(key, 'udp') : undefined;
    if (entry !== undefined) handler.onWireEntry?.(key!, 'udp', entry);
  };
  function startReaders(): void {
    readersState = 'starting';
    readers = new UdpReaders({
      host: opts.host,
      port,
      family,
      count: opts.udpReaders,
      maxEntries: opts.maxCacheEntries,
      cells: cells!,
      logger: log,
      onQuery: answerForReader,
    });
    readers.start().then(
      (n) => {
        if (readersState !== 'starting') return;
        readersState = n > 0 ? 'running' : 'unavailable';
        log.debug('UDP readers', { started: n, wanted: opts.udpReaders });
      },
      () => (readersState = 'unavailable'),
    );
  }

  if (readersState === 'waiting' && opts.udpReadersStartRate === 0) startReaders();

  let closed: Promise<void> | undefined;
  return {
    host: opts.host,
    port,
    get udpReaderThreads(): number {
      return readers?.running ?? 0;
    },
    reload(changes: DnsReloadableOptions): void {
      const nextOptions = { ...current, ...changes };
      const next = resolveDnsOptions(nextOptions);
      const old = { handler, wait: currentResolved.recursorTimeoutMs * currentResolved.recursors.length };
      // Replies the readers hold were made under the old settings: a new epoch retires them at once.
      if (cells) Atomics.add(cells, EPOCH_CELL, 1);
      handler = newHandler(next);
      current = nextOptions;
      currentResolved = next;
      retired.add(old.handler);
      // Long enough for a query forwarded just before to try every recursor of the old settings.
      setTimeout(() => {
        retired.delete(old.handler);
        old.handler.close();
      }, old.wait).unref();
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        readersState = 'unavailable';
        stopVersionPush?.();
        const stopReaders = readers?.close() ?? Promise.resolve();
        handler.close();
        for (const h of retired) h.close();
        retired.clear();
        for (const s of connections) s.destroy();
        let left = 3;
        const one = (): void => {
          if (--left === 0) resolve();
        };
        void stopReaders.then(one);
        try {
          udpSocket.close(one);
        } catch {
          one();
        }
        tcp.close(() => one());
      });
      return closed;
    },
  };
}
