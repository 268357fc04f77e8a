// The toolkit's public surface, as an explicit list: one home for each shared mechanism (see each file's header).
export { exponentialBackoff, sleep, type ExponentialBackoffOptions, type RetryDelay } from './backoff.js';
export { DecodeError } from './decode-error.js';
export { NotFoundError, RateLimitedError, RefusedError } from './request-errors.js';
export { TokenBucket } from './token-bucket.js';
export { sha256Base64 } from './sha256.js';
export { secretDigest } from './secret-digest.js';
export { constantTimeEqual } from './constant-time-equal.js';
export { keepTickObjectShape, keptTickObject } from './tick-object-shape.js';
export { deepEqual } from './deep-equal.js';
export { nodeHttp } from './node-http.js';
export { lazyNode } from './lazy-node.js';
export { randomUuid } from './random-uuid.js';
export { writeFileDurable, writeFileDurableSync, type DurableWriteOptions } from './durable-write.js';
export { goBoolErrorText, parseGoBool } from './go-bool.js';
export { DurationError, formatGoDuration, parseGoDuration, parseGoDurationBig } from './go-duration.js';
export { GoRegexp, GoRegexpError, preloadGoRegexp } from './go-regexp.js';
export { goQuote, goQuoteChar, goQuoteRune, goUnderscoreOK, goUnquote, goUnquoteChar, isGoPrintable } from './go-strconv.js';
export { goJsonQuote, goJsonStringify, type GoJsonOptions } from './go-json.js';
export { AddrError, joinHostPort, splitHostOptionalPort, splitHostPort, withDefaultPort, type HostPort } from './host-port.js';
export {
  decodeDuration,
  expectBool,
  expectNumber,
  expectString,
  expectStringArray,
  expectStringMap,
  getField,
  hasField,
  isPlainObject,
  normalizeKey,
  typeName,
} from './json-decode.js';
export { LogFile, type LogFileOptions } from './log-file.js';
export {
  createLogger,
  formatLogLine,
  parseLogLevel,
  PlainValue,
  silentLogger,
  type LogFields,
  type LogFormat,
  type LogLevel,
  type LogSink,
  type Logger,
  type LoggerOptions,
  type RootLogger,
} from './logger.js';
export { TailBuffer } from './tail-buffer.js';
export { UINT64_MAX, Uint64Error, formatUint64, parseUint64, toUint64, uint64ErrorText } from './uint64.js';
export { WatchHub, WatchSet, type WatchCallback, type Waiter } from './watch-hub.js';
export { TarError, readTar, writeTar, tarHeader, tarPadding, tarEnd, parseTarHeader } from './tar.js';
export { CoarseTimers, type CoarseTimeout } from './coarse-timers.js';
export { boundedGet, boundedPost, parseCaBundle, type BoundedGetOptions, type BoundedPostOptions, type GetResponse } from './bounded-get.js';
export { amzDate, parseSigV4Authorization, signV4, sigV4Parts, type AwsCredentials, type SigV4Authorization, type SigV4Parts, type SigV4Request, type SigV4Scope } from './sigv4.js';
export {
  GET_CALLER_IDENTITY_BODY,
  GET_ENTITY_BODY_HEADER,
  GET_ENTITY_HEADERS_HEADER,
  GET_ENTITY_METHOD_HEADER,
  GET_ENTITY_URL_HEADER,
  IAM_GLOBAL_URL,
  IAM_SERVER_ID_HEADER,
  awsIamBearerToken,
  awsIamTokenJson,
  canonicalHeaderKey,
  signedAwsPost,
  type AwsIamLoginInput,
  type SignedAwsRequest,
} from './aws-iam-login.js';
export { XmlError, canonicalArn, parseArn, parseCallerIdentityResponse, parseIamEntityResponse, parseXml, type CallerIdentity, type IamEntity, type ParsedArn, type XmlElement } from './aws-responses.js';
