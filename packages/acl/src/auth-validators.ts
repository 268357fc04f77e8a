// An auth method's type to its validator (Consul's authmethod.NewValidator). Building one checks the method's
// Config, so a write that would store a method no login could use is refused with the validator's reason.
import { AUTH_METHOD_TYPES, AuthMethodError, type AuthValidator } from './auth-method.js';
import { AwsIamValidator } from './aws-iam-validator.js';
import { JwtValidator } from './jwt-validator.js';
import { KubernetesValidator } from './kubernetes-validator.js';
import { OidcValidator } from './oidc-validator.js';

export function newAuthValidator(type: string, config: Record<string, unknown>, now?: () => number): AuthValidator {
  switch (type) {
    case 'aws-iam':
      return new AwsIamValidator(config);
    case 'jwt':
      return new JwtValidator(config, now);
    case 'kubernetes':
      return new KubernetesValidator(config);
    case 'oidc':
      return new OidcValidator(config, now);
    default:
      throw new AuthMethodError(`Type should be one of: [${AUTH_METHOD_TYPES.join(' ')}]`);
  }
}
