// OpenID Connect discovery for the jwt auth method's OIDCDiscoveryURL (go-oidc's NewProvider): GET
// `<url>/.well-known/openid-configuration`, whose `issuer` must be the configured URL exactly; its `jwks_uri` is
// the key set (fetched with the same CA) and `id_token_signing_alg_values_supported` the algorithms tokens may
// use when JWTSupportedAlgs names none; the oidc auth method also uses its `authorization_endpoint`,
// `token_endpoint` and `userinfo_endpoint`. A discovered provider is kept for the validator's life, as Consul keeps
// its provider; a failed discovery is retried at most once per MIN_REFETCH_MS, its error returned meanwhile.
import { boundedGet, isPlainObject } from '@conclave/toolkit';
import { FETCH_TIMEOUT_MS, MIN_REFETCH_MS, RemoteKeySet, snippet } from './remote-key-set.js';
import { ThrottledFetch } from './throttled-fetch.js';

/** Discovery documents are small; a larger one is refused. */
export const MAX_DISCOVERY_BYTES = 1 << 20;

/** go-oidc's supportedAlgorithms: what a provider may advertise that we would accept. */
const SUPPORTED_ALGS = new Set(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA']);

export interface DiscoveredProvider {
  issuer: string;
  keySet: RemoteKeySet;
  /** Advertised algorithms we support, in the provider's order; may be empty. */
  algorithms: string[];
  /** The OAuth 2.0 endpoints (empty when the document names none). */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string;
  /** The CA bundle the provider was discovered with, trusted for its other endpoints too. */
  ca: string | undefined;
}

export class OidcProvider {
  private discovered: DiscoveredProvider | undefined;
  private readonly discovery: ThrottledFetch<DiscoveredProvider>;

  constructor(
    readonly issuerUrl: string,
    ca: string | undefined,
    now: () => number = Date.now,
  ) {
    this.discovery = new ThrottledFetch(
      async () => (this.discovered = await discover(issuerUrl, ca, now)),
      now,
      MIN_REFETCH_MS,
    );
  }

  /** The provider, discovering it first when needed; throws go-oidc's texts. */
  async provider(): Promise<DiscoveredProvider> {
    if (this.discovered) return this.discovered;
    if (!this.discovery.pending && this.discovery.lastError && this.discovery.tooSoon()) throw this.discovery.lastError;
    return this.discovery.run();
  }
}

async function discover(issuer: string, ca: string | undefined, now: () => number): Promise<DiscoveredProvider> {
  const wellKnown = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await boundedGet(wellKnown, { ca, timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_DISCOVERY_BYTES });
  if (res.status !== 200) throw new Error(`${res.statusLine}: ${snippet(res.body)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
    if (!isPlainObject(doc)) throw new Error(`expected a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  } catch (err) {
    throw new Error(`oidc: failed to decode provider discovery object: ${(err as Error).message}`);
  }
  const str = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : '');
  if (str('issuer') !== issuer) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(issuer)} got ${JSON.stringify(str('issuer'))}`);
  const jwksUri = str('jwks_uri');
  if (!jwksUri) throw new Error('oidc: the provider discovery object names no jwks_uri');
  const advertised = Array.isArray(doc.id_token_signing_alg_values_supported) ? doc.id_token_signing_alg_values_supported : [];
  const algorithms = advertised.filter((a): a is string => typeof a === 'string' && SUPPORTED_ALGS.has(a));
  return {
    issuer,
    keySet: new RemoteKeySet(jwksUri, { ca, now }),
    algorithms,
    authorizationEndpoint: str('authorization_endpoint'),
    tokenEndpoint: str('token_endpoint'),
    userinfoEndpoint: str('userinfo_endpoint'),
    ca,
  };
}
