export interface AwsTestIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** What GetCallerIdentity answers. */
  arn: string;
  userId: string;
  /** What GetRole / GetUser answers. */
  entity: { kind: 'User' | 'Role'; name: string; path: string; id: string; arn: string; tags: Record<string, string> };
}

export declare const AWS_TEST_IDENTITIES: { user: AwsTestIdentity; role: AwsTestIdentity };

/** The SigV4 credentials of a test identity. */
export declare function awsCredentials(who: AwsTestIdentity): { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface FakeAws {
  /** https://127.0.0.1:<port>: STS and IAM both (the credential scope's service picks). */
  base: string;
  /** The test CA's certificate (PEM file), for AWS_CA_BUNDLE; removed by close(). */
  caFile: string;
  /** Every request received, in order. */
  requests: Array<{ method: string; url: string; host: string; action: string | null; headers: Record<string, string | string[] | undefined>; body: string }>;
  /** The next this many requests answer 503 ServiceUnavailable. */
  failNext: number;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with a fresh test CA (test-tls.mjs). */
export declare function startFakeAws(): Promise<FakeAws>;
