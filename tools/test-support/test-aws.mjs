// A fake AWS STS and IAM for tests of the aws-iam auth method (AWS cannot run here): one HTTPS server (a test CA's
// certificate, test-tls.mjs) that checks each request's SigV4 signature (toolkit's sigv4) against known test
// credentials, as AWS does, then answers sts:GetCallerIdentity, iam:GetRole and iam:GetUser in AWS's XML for the
// caller the credentials belong to: an IAM user, or a role assumed with a session token. A bad signature, an
// unknown key or a missing session token is AWS's 403 ErrorResponse. The CA is also written to `caFile`, for
// AWS_CA_BUNDLE (what the server's and the login command's requests trust); close() removes it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa } from './test-tls.mjs';
import { parseSigV4Authorization, sigV4Parts } from '@conclave/toolkit';

const ACCOUNT = '123456789012';

/** The test identities: an IAM user with a path, and a role (with a path) assumed as a session. */
export const AWS_TEST_IDENTITIES = {
  user: {
    accessKeyId: 'AKIDTESTUSER',
    secretAccessKey: 'user-secret/K7MDENG+bPxRfiCYEXAMPLEKEY',
    arn: `arn:aws:iam::${ACCOUNT}:user/dev/alice`,
    userId: 'AIDAUSERALICE',
    entity: { kind: 'User', name: 'alice', path: '/dev/', id: 'AIDAUSERALICE', arn: `arn:aws:iam::${ACCOUNT}:user/dev/alice`, tags: { team: 'pay', env: 'prod' } },
  },
  role: {
    accessKeyId: 'ASIATESTROLE',
    secretAccessKey: 'role-secret/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'role-session-token',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/web-role/session-1`,
    userId: 'AROAWEBROLE:session-1',
    entity: { kind: 'Role', name: 'web-role', path: '/app/', id: 'AROAWEBROLE', arn: `arn:aws:iam::${ACCOUNT}:role/app/web-role`, tags: { team: 'web' } },
  },
};

/** The SigV4 credentials of a test identity. */
export const awsCredentials = (who) => ({ accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, sessionToken: who.sessionToken });

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function entityXml(action, e) {
  const tags = Object.entries(e.tags).map(([k, v]) => `<member><Key>${esc(k)}</Key><Value>${esc(v)}</Value></member>`).join('');
  return (
    `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${action}Result><${e.kind}>` +
    `<Path>${esc(e.path)}</Path><${e.kind}Name>${esc(e.name)}</${e.kind}Name><${e.kind}Id>${esc(e.id)}</${e.kind}Id><Arn>${esc(e.arn)}</Arn>` +
    `<CreateDate>2024-01-01T00:00:00Z</CreateDate><Tags>${tags}</Tags></${e.kind}></${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** Starts the fake on 127.0.0.1 with a fresh test CA. */
export async function startFakeAws() {
  const tls = makeTestCa('conclave fake AWS CA');
  const dir = mkdtempSync(join(tmpdir(), 'conclave-fake-aws-'));
  const fake = { base: '', caFile: join(dir, 'ca.pem'), requests: [], failNext: 0, close: undefined };
  writeFileSync(fake.caFile, tls.ca);
  const xml = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'text/xml' });
    res.end(body);
  };
  const refuse = (res, status, code, message) =>
    xml(res, status, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const form = new URLSearchParams(body);
      fake.requests.push({ method: req.method, url: req.url, host: req.headers.host, action: form.get('Action'), headers: req.headers, body });
      if (fake.failNext > 0) {
        fake.failNext--;
        return refuse(res, 503, 'ServiceUnavailable', 'try again');
      }
      const auth = parseSigV4Authorization(String(req.headers.authorization ?? ''));
      if (!auth) return refuse(res, 403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      const who = Object.values(AWS_TEST_IDENTITIES).find((i) => i.accessKeyId === auth.accessKeyId);
      if (!who) return refuse(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (who.sessionToken && req.headers['x-amz-security-token'] !== who.sessionToken)
        return refuse(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      const amzDate = String(req.headers['x-amz-date'] ?? '');
      if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-amz-date') || amzDate.slice(0, 8) !== auth.date)
        return refuse(res, 403, 'IncompleteSignature', 'The request signature does not conform to AWS standards.');
      const headers = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i];
        headers[k] = headers[k] === undefined ? req.rawHeaders[i + 1] : [].concat(headers[k], req.rawHeaders[i + 1]);
      }
      const parts = sigV4Parts({ method: req.method ?? '', url: `https://${req.headers.host}${req.url}`, headers, body }, { region: auth.region, service: auth.service, amzDate }, who.secretAccessKey, auth.signedHeaders);
      if (parts.signature !== auth.signature)
        return refuse(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      const action = form.get('Action');
      if (auth.service === 'sts' && action === 'GetCallerIdentity')
        return xml(
          res,
          200,
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${esc(who.arn)}</Arn><UserId>${esc(who.userId)}</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
      if (auth.service === 'iam' && (action === 'GetRole' || action === 'GetUser')) {
        const e = Object.values(AWS_TEST_IDENTITIES).map((i) => i.entity).find((x) => (action === 'GetRole' ? x.kind === 'Role' && x.name === form.get('RoleName') : x.kind === 'User' && x.name === form.get('UserName')));
        if (!e) return refuse(res, 404, 'NoSuchEntity', `The ${action === 'GetRole' ? 'role' : 'user'} cannot be found.`);
        return xml(res, 200, entityXml(action, e));
      }
      refuse(res, 400, 'InvalidAction', `Could not find operation ${action} for service ${auth.service}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.base = `https://127.0.0.1:${server.address().port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  return fake;
}
