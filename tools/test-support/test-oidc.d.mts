export interface OidcProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Claims every id token carries (sub: alice unless given). */
  claims?: Record<string, unknown>;
  /** When set, the discovery document names /userinfo, which answers these claims to the access token. */
  userinfo?: Record<string, unknown>;
  /** The clock id tokens' iat and exp are taken from (ms). */
  now?: () => number;
}

export interface TestOidcProvider {
  /** https://127.0.0.1:<port>: the issuer and the OIDCDiscoveryURL. */
  base: string;
  stats: { authorize: number; token: number; tokenRefused: number; userinfo: number };
  /** Merged into the next id token only (then reset): a wrong aud, an old exp, another nonce. */
  nextClaims: Record<string, unknown>;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown> | undefined;
  close(): Promise<void>;
}

/** Starts the provider on 127.0.0.1 with the given certificate (a test CA's, test-tls.mjs). */
export declare function startOidcProvider(tls: { cert: string; key: string }, opts: OidcProviderOptions): Promise<TestOidcProvider>;
