// /v1/acl/templated-policies, /v1/acl/templated-policy/name/:name and POST /v1/acl/templated-policy/preview/:name:
// Consul's built-in templated policies (packages/acl templated-policies.ts), readable with acl:read. The preview
// is the synthetic policy a token or role naming the template would get.
import { TEMPLATED_POLICIES, TemplatedPolicyError, syntheticPolicy, templatedPolicy, validateTemplatedPolicy, type TemplatedPolicyBase } from '@conclave/acl';
import { requirePermission } from './acl-enforce.js';
import { decodeTemplateVariables } from './acl-auth-body.js';
import type { ApiCall } from './api-call.js';
import { ApiError } from './api-error.js';

function templateJson(t: TemplatedPolicyBase): Record<string, unknown> {
  return { TemplateName: t.TemplateName, Schema: t.Schema, Template: t.Template };
}

export async function templatedPolicyList(call: ApiCall): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  call.checkDatacenter();
  call.json(200, Object.fromEntries(TEMPLATED_POLICIES.map((t) => [t.TemplateName, templateJson(t)])));
}

export async function templatedPolicyRead(call: ApiCall, name: string): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  call.checkDatacenter();
  const t = templatedPolicy(name);
  if (!t) throw new ApiError(404, `Invalid templated policy Name: ${name}`);
  call.json(200, templateJson(t));
}

export async function templatedPolicyPreview(call: ApiCall, name: string): Promise<void> {
  await requirePermission(call, 'acl', 'read');
  call.checkDatacenter();
  const vars = decodeTemplateVariables(await call.readJson());
  if (!templatedPolicy(name)) throw new ApiError(404, `Invalid templated policy Name: ${name}`);
  try {
    const link = validateTemplatedPolicy({ TemplateName: name, TemplateVariables: vars });
    call.json(200, syntheticPolicy(link));
  } catch (err) {
    if (err instanceof TemplatedPolicyError) throw new ApiError(400, err.message);
    throw err;
  }
}
