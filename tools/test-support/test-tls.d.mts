export interface TestCa {
  /** The CA certificate, PEM: what a client trusts. */
  ca: string;
  /** A server certificate the CA signs for IP 127.0.0.1 and DNS localhost, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** A fresh CA and a server certificate it signs, made with the openssl command line. */
export declare function makeTestCa(name?: string): TestCa;
