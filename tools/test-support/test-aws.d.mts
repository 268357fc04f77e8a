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

export interface FakeAws {
  /** https://127.0.0.1:<port>: STS and IAM both (the credential scope's service picks). */
  base: string;
  /** Every request received, in order. */
  requests: Array<{ method: string; url: string; host: string; action: string | null; headers: Record<string, string | string[] | undefined>; body: string }>;
  /** The next this many requests answer 503 ServiceUnavailable. */
  failNext: number;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with the given certificate (a test CA's, test-tls.mjs). */
export declare function startFakeAws(tls: { cert: string; key: string }): Promise<FakeAws>;
