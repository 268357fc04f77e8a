// What every auth method type offers (Consul's authmethod.Validator): validate a bearer token into an identity,
// and describe the blank identity that binding rules are checked against when they are written.

/** A verified identity: the fields binding rule selectors see (go-bexpr over Consul's per-type struct, here the
 * same shape as plain objects) and the variables BindName interpolates. */
export interface AuthIdentity {
  selectable: Record<string, unknown>;
  projectedVars: Record<string, string>;
}

export interface AuthValidator {
  /** Rejects with AuthMethodError (Consul's text) when the bearer token does not log in. */
  validateLogin(bearerToken: string): Promise<AuthIdentity>;
  blankIdentity(): AuthIdentity;
  /** The checks of a method's Config that need the network (Consul makes them when the method is written: the
   * jwt method fetches its JWKSURL or discovers its OIDCDiscoveryURL); rejects with AuthMethodError. */
  checkConfig?(): Promise<void>;
}

/** An auth method's configuration refused, or a login refused by the method; the message is Consul's. */
export class AuthMethodError extends Error {
  override name = 'AuthMethodError';
}

export const AUTH_METHOD_TYPES = ['aws-iam', 'jwt', 'kubernetes', 'oidc'] as const;
export type AuthMethodType = (typeof AUTH_METHOD_TYPES)[number];
