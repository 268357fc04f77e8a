// The auth method and binding rule tables, replicated like the other ACL tables. Kept apart from AclState (tokens,
// policies, roles) so that the token resolver's cache, keyed on AclState's index, is not emptied by a binding
// rule edit; StateMachine deletes a deleted method's tokens through AclState.
import type { CommandFailure } from '@conclave/catalog';
import type { WatchHub, WatchSet } from '@conclave/toolkit';
import type { AclAuthCommand, AclAuthMethod, AclAuthMethodInput, AclBindingRule, AclBindingRuleInput } from './acl-auth-commands.js';
import type { AclQuery } from './acl-state.js';

export const TOPIC_ACL_AUTH = 'acl-auth';

export interface AclAuthSnapshot {
  methods: AclAuthMethod[];
  rules: AclBindingRule[];
  tableIndex: number;
}

/** The read side, for StateReader. */
export type AclAuthReader = Pick<AclAuthState, 'authMethod' | 'listAuthMethods' | 'bindingRule' | 'listBindingRules' | 'maxIndex'>;

export class AclAuthState {
  private methods = new Map<string, AclAuthMethod>();
  private rules = new Map<string, AclBindingRule>();
  private tableIndex = 0;

  constructor(private readonly hub: WatchHub) {}

  apply(cmd: AclAuthCommand, index: number): true | CommandFailure {
    const result = this.dispatch(cmd, index);
    if (result === true) {
      this.tableIndex = index;
      this.hub.notifyTopic(TOPIC_ACL_AUTH);
    }
    return result;
  }

  private dispatch(cmd: AclAuthCommand, index: number): true | CommandFailure {
    switch (cmd.type) {
      case 'acl.auth-method.set':
        return this.setMethod(cmd.Method, index);
      case 'acl.auth-method.delete':
        this.methods.delete(cmd.Name);
        for (const [id, r] of this.rules) if (r.AuthMethod === cmd.Name) this.rules.delete(id);
        return true;
      case 'acl.binding-rule.set':
        return this.setRule(cmd.Rule, index);
      case 'acl.binding-rule.delete':
        this.rules.delete(cmd.ID);
        return true;
      default:
        return { error: `unknown acl command type ${(cmd as { type: string }).type}` };
    }
  }

  private setMethod(input: AclAuthMethodInput, index: number): true | CommandFailure {
    if (typeof input.Name !== 'string' || !input.Name) return { error: 'Invalid Auth Method: no Name is set' };
    const old = this.methods.get(input.Name);
    if (old && old.Type !== input.Type) return { error: 'the Type field of an Auth Method is immutable' };
    this.methods.set(input.Name, { ...input, CreateIndex: old?.CreateIndex ?? index, ModifyIndex: index });
    return true;
  }

  private setRule(input: AclBindingRuleInput, index: number): true | CommandFailure {
    if (typeof input.ID !== 'string' || !input.ID) return { error: 'Invalid Binding Rule: no ID is set' };
    if (!this.methods.has(input.AuthMethod)) return { error: `cannot find auth method with name ${JSON.stringify(input.AuthMethod)}` };
    const old = this.rules.get(input.ID);
    if (old && old.AuthMethod !== input.AuthMethod) return { error: 'the AuthMethod field of an Binding Rule is immutable' };
    this.rules.set(input.ID, { ...input, CreateIndex: old?.CreateIndex ?? index, ModifyIndex: index });
    return true;
  }

  authMethod(name: string): AclAuthMethod | undefined {
    return this.methods.get(name);
  }

  listAuthMethods(ws?: WatchSet): AclQuery<AclAuthMethod[]> {
    ws?.addTopic(TOPIC_ACL_AUTH);
    return { index: this.tableIndex, value: [...this.methods.values()] };
  }

  bindingRule(id: string): AclBindingRule | undefined {
    return this.rules.get(id);
  }

  /** Every rule, or those of one method, by ID (the order of Consul's memdb index walk). */
  listBindingRules(ws?: WatchSet, authMethod?: string): AclQuery<AclBindingRule[]> {
    ws?.addTopic(TOPIC_ACL_AUTH);
    const all = [...this.rules.values()].filter((r) => !authMethod || r.AuthMethod === authMethod).sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    return { index: this.tableIndex, value: all };
  }

  maxIndex(): number {
    return this.tableIndex;
  }

  snapshot(): AclAuthSnapshot {
    return { methods: [...this.methods.values()], rules: [...this.rules.values()], tableIndex: this.tableIndex };
  }

  /** Loads a snapshot; one taken before auth methods existed leaves the tables empty. */
  restore(snap: AclAuthSnapshot | undefined): void {
    this.methods = new Map();
    this.rules = new Map();
    this.tableIndex = 0;
    if (!snap) return;
    for (const m of snap.methods) this.methods.set(m.Name, m);
    for (const r of snap.rules) this.rules.set(r.ID, r);
    this.tableIndex = snap.tableIndex;
  }
}
