// What the store keeps for the operators' console and the operator actions: accounts, sessions, the sign-in
// throttle's record of wrong passwords, the audit of who did what, and the notes and labels on conversations.

/** A signed-in operator, as the console's pages know them. */
export interface Operator {
  id: number;
  name: string;
}

export interface OperatorAccount extends Operator {
  /** "scrypt$N$r$p$salt$hash" (src/console/password.ts). */
  passwordHash: string;
  createdAt: number;
}

export interface OperatorListing extends Operator {
  createdAt: number;
  /** The last request of any of their sessions; null when never signed in (or all sessions ended). */
  lastSeenAt: number | null;
  sessions: number;
}

export interface AccountStore {
  /** Adds an operator; null when the name is taken. */
  add(input: { name: string; passwordHash: string; at: number }): Promise<Operator | null>;
  byName(name: string): Promise<OperatorAccount | null>;
  list(): Promise<OperatorListing[]>;
  count(): Promise<number>;
  /** Removes the operator and ends every session of theirs; false when there was none by that name. */
  remove(name: string): Promise<boolean>;
  /** Sets a new password and ends every session of theirs; false when there is none by that name. */
  setPassword(name: string, passwordHash: string): Promise<boolean>;
  /** Stores a new session under the hash of its id. */
  createSession(input: { idHash: string; operatorId: number; at: number }): Promise<void>;
  /**
   * The session's operator when it was used after `idleSince` (and marks it used `now` when its mark is older than
   * `touchBefore`); null when there is no such session or it lapsed (a lapsed one is deleted).
   */
  useSession(input: { idHash: string; now: number; idleSince: number; touchBefore: number }): Promise<Operator | null>;
  endSession(idHash: string): Promise<void>;
  /** Records a wrong password under each key ("account:NAME", "address:IP"); forgets those older than `forgetBefore`. */
  recordFailure(input: { keys: string[]; at: number; forgetBefore: number }): Promise<void>;
  /** How many wrong passwords each key has since `since`. */
  failuresSince(input: { keys: string[]; since: number }): Promise<Map<string, number>>;
  /** Forgets a key's wrong passwords (a correct sign-in to the account). */
  clearFailures(key: string): Promise<void>;
  /** Keeps a line of the audit: who did what, to which conversation. */
  audit(input: { at: number; operator: string; action: string; contactId: number | null; detail: string | null }): Promise<void>;
  /** The audit, newest first (optionally for one conversation). */
  auditTrail(input: { contactId?: number; limit: number }): Promise<AuditEntry[]>;
}

export interface AuditEntry {
  id: number;
  at: number;
  operator: string;
  action: string;
  contactId: number | null;
  detail: string | null;
}

export interface ContactNote {
  id: number;
  contactId: number;
  operator: string;
  text: string;
  createdAt: number;
}

export interface ContactLabel {
  label: string;
  operator: string;
  createdAt: number;
}

/** Operators' notes and labels on conversations. */
export interface Annotations {
  addNote(input: { contactId: number; operator: string; text: string; at: number }): Promise<ContactNote>;
  /** A contact's notes, oldest first (optionally from a time on). */
  notes(input: { contactId: number; since?: number }): Promise<ContactNote[]>;
  /** Puts a label on a contact; false when it had it already. */
  addLabel(input: { contactId: number; label: string; operator: string; at: number }): Promise<boolean>;
  /** Takes a label off; false when the contact did not have it. */
  removeLabel(input: { contactId: number; label: string }): Promise<boolean>;
  /** A contact's labels, alphabetically. */
  labels(contactId: number): Promise<ContactLabel[]>;
  /** The labels of many contacts at once (the inbox), by contact id. */
  labelsOf(contactIds: number[]): Promise<Map<number, string[]>>;
  /** The contacts that carry a label, most recent label first. */
  contactsWithLabel(label: string): Promise<{ contactId: number; phone: string }[]>;
  /** Every label in use, with how many contacts carry it, alphabetically. */
  allLabels(): Promise<{ label: string; contacts: number }[]>;
}
