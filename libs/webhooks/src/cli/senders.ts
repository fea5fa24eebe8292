import { readFile } from 'node:fs/promises';
import { WebhookConfigurationError } from '../schemes/scheme.errors.js';
import type { SignedHeaders } from '../schemes/scheme.types.js';
import type {
  WebhookSender,
  WebhookSenderCli,
  WebhookSenderCliCredential,
  WebhookSenderCliInput,
  WebhookSenderCliOption,
} from '../webhooks.sender.js';

/** A mistake in how the tool was called: reported in one line, exit code 2. */
export class UsageError extends Error {}

export const errorCode = (error: unknown): string =>
  (error as { code?: string })?.code ?? (error instanceof Error ? error.message : String(error));

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
}

/** A sender the CLI can sign as: its definition says how, in `cli`. */
export type CliSender = WebhookSender & { readonly cli: WebhookSenderCli<unknown> };

/** How a flag is parsed and shown in the help. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly arg?: string;
  readonly help: string;
}

/** A flag that comes from the senders' definitions: one flag, and one line of help, for all that share it. */
export interface SenderFlag extends FlagSpec {
  readonly name: string;
  /** The ids of the senders it applies to, in the order of the list. */
  readonly senders: readonly string[];
}

/**
 * The options a sender takes beyond its credentials: its definition's own, after `--event` for a
 * sender whose event comes from the route (the CLI puts it in the URL, see `routeEvent`).
 */
export function senderOptions(sender: CliSender): Readonly<Record<string, WebhookSenderCliOption>> {
  const own = sender.cli.options ?? {};
  if (sender.eventType !== 'route') return own;
  if (Object.hasOwn(own, 'event')) {
    throw new Error(
      `${sender.id}: its cli cannot declare --event, the CLI gives it one (its event is in the route)`,
    );
  }
  return {
    event: {
      type: 'string',
      arg: '<name>',
      help: `event appended to a URL ending in /${sender.id} (default ${sender.sample.event})`,
    },
    ...own,
  };
}

/** `oxskyt, inkit: the shared secret; ovcode: ...`: each help once, after the senders that share it. */
function groupedHelp(entries: readonly { id: string; help: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const { id, help } of entries) groups.set(help, [...(groups.get(help) ?? []), id]);
  return [...groups].map(([help, ids]) => `${ids.join(', ')}: ${help}`).join('; ');
}

/** What the CLI knows about senders, every bit of it read from their definitions. */
export class SenderCatalog {
  /** The senders the CLI can sign as, in the order of the list it was given. */
  readonly senders: readonly CliSender[];
  /** Credential flags, in order of first appearance. */
  readonly credentials: readonly SenderFlag[];
  /** Sender-specific options, in order of first appearance. */
  readonly options: readonly SenderFlag[];
  private readonly all: readonly WebhookSender[];

  /** `reserved`: the CLI's own flags, which no sender may take. */
  constructor(senders: readonly WebhookSender[], reserved: readonly string[]) {
    const ids = new Set<string>();
    for (const { id } of senders) {
      if (ids.has(id)) throw new Error(`sender '${id}' is listed twice`);
      ids.add(id);
    }
    this.all = senders;
    this.senders = senders.filter((sender): sender is CliSender => sender.cli !== undefined);
    const credentials = new Map<string, { spec: FlagSpec; entries: { id: string; help: string }[] }>();
    const options = new Map<string, { spec: FlagSpec; entries: { id: string; help: string }[] }>();
    const add = (
      into: typeof credentials,
      other: typeof credentials,
      id: string,
      name: string,
      spec: FlagSpec,
    ) => {
      if (reserved.includes(name)) throw new Error(`${id}: --${name} is one of the CLI's own flags`);
      if (other.has(name)) {
        throw new Error(`${id}: --${name} is a credential for one sender and an option for another`);
      }
      const known = into.get(name);
      if (known !== undefined && known.spec.type !== spec.type) {
        throw new Error(
          `${id}: --${name} is a ${spec.type} here and a ${known.spec.type} for another sender`,
        );
      }
      if (known === undefined) into.set(name, { spec, entries: [{ id, help: spec.help }] });
      else known.entries.push({ id, help: spec.help });
    };
    for (const sender of this.senders) {
      for (const [name, credential] of Object.entries(sender.cli.credentials)) {
        add(credentials, options, sender.id, name, {
          type: 'string',
          arg: credential.arg ?? '<value>',
          help: credential.help,
        });
      }
      for (const [name, option] of Object.entries(senderOptions(sender))) {
        add(options, credentials, sender.id, name, option);
      }
    }
    const flags = (from: typeof credentials): SenderFlag[] =>
      [...from].map(([name, { spec, entries }]) => ({
        name,
        type: spec.type,
        arg: spec.arg,
        help: groupedHelp(entries),
        senders: entries.map((entry) => entry.id),
      }));
    this.credentials = flags(credentials);
    this.options = flags(options);
  }

  /** Every flag the senders bring, for the parser. */
  get flags(): readonly SenderFlag[] {
    return [...this.credentials, ...this.options];
  }

  named(name: string | undefined): CliSender {
    const sender = this.senders.find((candidate) => candidate.id === name);
    if (sender !== undefined) return sender;
    const expected = `expected one of ${this.senders.map(({ id }) => id).join(', ')}`;
    if (name === undefined) throw new UsageError(`missing sender (${expected})`);
    if (this.all.some(({ id }) => id === name)) {
      throw new UsageError(
        `sender '${name}' has no cli in its definition, so it cannot be signed here (${expected})`,
      );
    }
    throw new UsageError(`unknown sender '${name}' (${expected})`);
  }

  /** Refuses a sender-specific flag given for another sender, rather than silently ignoring it. */
  checkFlagsApply(sender: CliSender, given: readonly string[]): void {
    const stray = this.flags.find((flag) => given.includes(flag.name) && !flag.senders.includes(sender.id));
    if (stray !== undefined) throw new UsageError(`--${stray.name} does not apply to ${sender.id}`);
  }
}

interface Found {
  readonly value: string;
  readonly from: 'flag' | 'env';
}

/**
 * A sender's credentials, each from its flag or else its environment variable, and its options:
 * what its `cli.signing` reads. Messages never hold a value.
 */
export class SenderInput implements WebhookSenderCliInput {
  private constructor(
    private readonly sender: CliSender,
    private readonly found: ReadonlyMap<string, Found>,
    private readonly values: Readonly<Record<string, unknown>>,
    private readonly options: Readonly<Record<string, WebhookSenderCliOption>>,
  ) {}

  static async resolve(
    sender: CliSender,
    values: Readonly<Record<string, unknown>>,
    env: NodeJS.ProcessEnv,
  ): Promise<SenderInput> {
    const found = new Map<string, Found>();
    for (const [flag, credential] of Object.entries(sender.cli.credentials)) {
      const given = values[flag];
      const key = credential.key === true;
      const value: Found | undefined =
        typeof given === 'string'
          ? { value: given, from: 'flag' }
          : fromEnvironment(env[credential.env], key);
      if (value === undefined) continue;
      found.set(flag, key ? { ...value, value: await readKey(value, credential.env) } : value);
    }
    return new SenderInput(sender, found, values, senderOptions(sender));
  }

  need(flag: string): string {
    const credential = this.found.get(flag);
    if (credential !== undefined) return credential.value;
    throw new UsageError(`${this.sender.id} needs --${flag} or ${this.credential(flag).env}`);
  }

  from(flag: string): Found['from'] | undefined {
    this.credential(flag);
    return this.found.get(flag)?.from;
  }

  option(name: string): string | boolean | undefined {
    if (!Object.hasOwn(this.options, name)) {
      throw new Error(`${this.sender.id}: its cli reads the option '${name}', which it does not declare`);
    }
    const value = this.values[name];
    return typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
  }

  usage(message: string): Error {
    return new UsageError(message);
  }

  /** The event a sender whose event comes from the route is sent as; undefined for the others. */
  routeEvent(): string | undefined {
    if (this.sender.eventType !== 'route') return undefined;
    const event = this.option('event');
    return typeof event === 'string' ? event : this.sender.sample.event;
  }

  private credential(flag: string): WebhookSenderCliCredential {
    const credential = this.sender.cli.credentials[flag];
    if (credential === undefined) {
      throw new Error(`${this.sender.id}: its cli reads the credential --${flag}, which it does not declare`);
    }
    return credential;
  }
}

/** The headers the sender would send for `body`, signed as its definition says. */
export function signAs(sender: CliSender, body: Buffer, input: SenderInput): SignedHeaders {
  const signing = sender.cli.signing(input);
  try {
    return sender.sign(body, signing);
  } catch (error) {
    // A credential of the wrong form (a Standard Webhooks secret that is not base64): the signer
    // names the option and what it must be, never its value.
    if (error instanceof WebhookConfigurationError) {
      throw new UsageError(
        `${sender.id} cannot sign with these credentials: ${error.message.replace(/^nestjs-webhooks: /, '')}`,
      );
    }
    const withKey = Object.values(sender.cli.credentials).some((credential) => credential.key === true);
    if (error instanceof UsageError || !withKey) throw error;
    // A public key or a key of the wrong type ends up here; the code says which without showing the key.
    throw new UsageError(`the ${sender.id} private key cannot sign (${errorCode(error)})`);
  }
}

// The receiver reads rotation lists ("new,old") from the same variables; a sender signs with one.
// A key is a PEM or a path, never a list, and a path may hold a comma.
function fromEnvironment(raw: string | undefined, whole: boolean): Found | undefined {
  const value = whole
    ? raw?.trim()
    : raw
        ?.split(',')
        .map((item) => item.trim())
        .find(Boolean);
  return value ? { value, from: 'env' } : undefined;
}

async function readKey({ value, from }: Found, variable: string): Promise<string> {
  // PEM kept in an environment variable often arrives with literal "\n" for its line breaks.
  if (value.includes('-----BEGIN')) return value.replaceAll('\\n', '\n');
  try {
    return await readFile(value, 'utf8');
  } catch (error) {
    // The variable's content is not echoed: it may be key material that merely lacks a PEM header.
    const what = from === 'flag' ? `'${value}'` : `named by ${variable}`;
    throw new UsageError(`cannot read the private key file ${what} (${errorCode(error)})`);
  }
}
