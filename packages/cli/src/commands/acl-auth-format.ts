// How `conclave acl auth-method|binding-rule|templated-policy` print: Consul's pretty formatters
// (command/acl/authmethod/formatter.go, command/acl/bindingrule/formatter.go) or the API's JSON with -format=json.

export interface AuthMethodJson {
  Name: string;
  Type: string;
  DisplayName?: string;
  Description?: string;
  MaxTokenTTL?: string;
  TokenLocality?: string;
  Config?: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface BindingRuleJson {
  ID: string;
  Description: string;
  AuthMethod: string;
  Selector: string;
  BindType: string;
  BindName: string;
  BindVars?: { Name?: string };
  CreateIndex: number;
  ModifyIndex: number;
}

export interface TemplatedPolicyJson {
  TemplateName: string;
  Schema: string;
  Template: string;
}

export function formatAuthMethod(m: AuthMethodJson, showMeta: boolean): string {
  const lines = [`Name:          ${m.Name}`, `Type:          ${m.Type}`];
  if (m.DisplayName) lines.push(`DisplayName:   ${m.DisplayName}`);
  lines.push(`Description:   ${m.Description ?? ''}`);
  if (m.MaxTokenTTL) lines.push(`MaxTokenTTL:   ${m.MaxTokenTTL}`);
  if (m.TokenLocality) lines.push(`TokenLocality: ${m.TokenLocality}`);
  if (showMeta) lines.push(`Create Index:  ${m.CreateIndex}`, `Modify Index:  ${m.ModifyIndex}`);
  lines.push('Config:', JSON.stringify(m.Config ?? null, null, 2));
  return lines.join('\n');
}

export function formatAuthMethodList(methods: AuthMethodJson[], showMeta: boolean): string {
  return methods
    .map((m) => {
      const lines = [`${m.Name}:`, `   Type:         ${m.Type}`];
      if (m.DisplayName) lines.push(`   DisplayName:  ${m.DisplayName}`);
      lines.push(`   Description:  ${m.Description ?? ''}`);
      if (showMeta) lines.push(`   Create Index: ${m.CreateIndex}`, `   Modify Index: ${m.ModifyIndex}`);
      return lines.join('\n');
    })
    .join('\n');
}

export function formatBindingRule(r: BindingRuleJson, showMeta: boolean, indent = ''): string {
  const lines = [
    ...(indent ? [] : [`ID:           ${r.ID}`]),
    `AuthMethod:   ${r.AuthMethod}`,
    `Description:  ${r.Description}`,
    `BindType:     ${r.BindType}`,
    `BindName:     ${r.BindName}`,
  ];
  if (r.BindVars?.Name) lines.push('BindVars:     ', `${indent ? '   ' : ''}     - Name: ${r.BindVars.Name}`);
  lines.push(`Selector:     ${r.Selector}`);
  if (showMeta) lines.push(`Create Index: ${r.CreateIndex}`, `Modify Index: ${r.ModifyIndex}`);
  return lines.map((l) => indent + l).join('\n');
}

export function formatBindingRuleList(rules: BindingRuleJson[], showMeta: boolean): string {
  return rules.map((r) => `${r.ID}:\n${formatBindingRule(r, showMeta, '   ')}`).join('\n');
}

export function formatTemplatedPolicy(t: TemplatedPolicyJson): string {
  const lines = [`Name:            ${t.TemplateName}`];
  if (t.Schema) lines.push('Input variables:', '    Name: String - Required - The name of the resource.');
  lines.push('Raw Template:', t.Template);
  return lines.join('\n');
}
