// TLS between agents: the server port (Raft + RPC) served over TLS when the server has an internal_rpc
// certificate, and every dial to a server port made with `wss://` when this agent has verify_outgoing or a
// certificate. A TLS cluster is TLS throughout: a plain dial to a TLS port fails (Consul multiplexes both on one
// port; a WebSocket port cannot, so a mixed cluster is not offered).
//   verify_incoming        the server port demands a client certificate from the CA
//   verify_outgoing        dials verify the server's certificate against the CA
//   verify_server_hostname dials accept only a certificate for server.<dc>.<domain>, and the server port accepts
//                          Raft only from such a certificate: a client certificate cannot act as a server.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { lazyNode } from '@conclave/toolkit';
import type { IncomingMessage } from 'node:http';
import type { TlsDialOptions } from '@conclave/raft';
import type { AgentConfig, TlsSettings } from '../config/agent-config.js';
import { effectiveTls } from '../config/tls-config.js';
import { readCas, serverTlsOptions, type ServerTlsOptions } from '../tls-options.js';

export class ClusterTls {
  private settings!: TlsSettings & { verifyServerHostname?: boolean };
  private serverName!: string;
  private server: ServerTlsOptions | undefined;
  private dial: TlsDialOptions | undefined;

  constructor(config: AgentConfig) {
    this.load(config);
  }

  /** Reads the files again (reload); throws ConfigError and keeps the old material when they are unusable. */
  load(config: AgentConfig): void {
    const s = effectiveTls(config.tls, 'internalRpc');
    const serverName = `server.${config.datacenter}.${config.domain.replace(/\.$/, '')}`;
    const where = 'tls.internal_rpc';
    const server = s.certFile ? { ...serverTlsOptions(s, where), requestCert: s.verifyIncoming === true || s.verifyServerHostname === true } : undefined;
    let dial: TlsDialOptions | undefined;
    if (s.verifyOutgoing || s.certFile) {
      const ca = readCas(s, where);
      dial = {
        ca: ca.length > 0 ? ca : undefined,
        cert: server?.cert,
        key: server?.key,
        minVersion: server?.minVersion ?? ((s.tlsMinVersion ?? 'TLSv1.2') as TlsDialOptions['minVersion']),
        ciphers: server?.ciphers,
        rejectUnauthorized: s.verifyOutgoing === true,
        // Servers are dialled by IP: the certificate is checked for the server name, or only for the CA.
        servername: serverName,
        checkServerIdentity: s.verifyServerHostname ? (_host: string, cert: PeerCertificate) => lazyNode.tls().checkServerIdentity(serverName, cert) : () => undefined,
      };
    }
    this.settings = s;
    this.serverName = serverName;
    this.server = server;
    this.dial = dial;
  }

  /** Options for the server port's TLS listener; undefined: plain. */
  serverOptions(): ServerTlsOptions | undefined {
    return this.server;
  }

  /** Options for a dial to a server port; undefined: plain `ws://`. */
  dialOptions(): TlsDialOptions | undefined {
    return this.dial;
  }

  /** Why a Raft connection must be refused, or undefined to accept it. */
  refuseRaft(req: IncomingMessage): string | undefined {
    if (!this.server || !this.settings.verifyServerHostname) return undefined;
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.(false);
    if (!peer || !peer.raw) return 'no certificate presented';
    if (!socket.authorized) return `certificate not trusted: ${String(socket.authorizationError)}`;
    if (new (lazyNode.crypto().X509Certificate)(peer.raw).checkHost(this.serverName) === undefined) return `certificate is not for ${this.serverName}`;
    return undefined;
  }
}
