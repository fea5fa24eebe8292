import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILT_IN_SENDERS } from '../senders/index.js';
import { generateIllowKeyPair } from '../senders/illow/illow.scheme.js';
import type { WebhookSender } from '../webhooks.sender.js';
import {
  errorCode,
  oneOf,
  SenderCatalog,
  SenderInput,
  signAs,
  UsageError,
  type CliSender,
  type FlagSpec,
  type SenderFlag,
} from './senders.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  readStdin?: () => Promise<Buffer>;
  /** How long `replay` waits for the receiver's answer, in ms. Default 10 000; tests shorten it. */
  timeoutMs?: number;
}

const TOOL = 'nestjs-webhooks';

/** The CLI's own flags; every other flag of `send` and `sign` comes from the senders' definitions. */
const FLAGS = {
  url: { type: 'string', arg: '<url>', help: 'full endpoint URL, e.g. http://localhost:3000/webhooks/inkit' },
  body: {
    type: 'string',
    arg: '<file|->',
    help: 'body to sign, sent byte for byte ("-" reads stdin); default: the sample payload',
  },
  header: {
    type: 'string',
    multiple: true,
    arg: "<'Name: value'>",
    help: 'extra header, repeatable; replaces a header of the same name',
  },
  format: {
    type: 'string',
    arg: '<headers|curl>',
    help: 'headers, one "Name: value" a line (default), or a curl command',
  },
  bits: { type: 'string', arg: '<n>', help: 'RSA modulus length, 1024 to 8192 (default 2048)' },
  'out-dir': {
    type: 'string',
    arg: '<dir>',
    help: 'write illow.pub.pem and illow.key.pem (mode 0600) there instead of printing them',
  },
  'admin-token': {
    type: 'string',
    arg: '<token>',
    help: "the receiver's admin token; ADMIN_TOKEN keeps it off the process list",
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, FlagSpec>;

type Flag = keyof typeof FLAGS;
/** Parsed flags: the CLI's own, and whichever the senders bring. */
type Values = Readonly<Partial<Record<Flag, string | boolean | string[]>> & Record<string, unknown>>;

/** What a command runs with: where it writes, and the senders it knows. */
interface Context {
  readonly io: CliIo;
  readonly catalog: SenderCatalog;
}

interface Command {
  readonly synopsis: string;
  readonly about: string;
  /** The CLI's own flags it takes. */
  readonly flags: readonly Flag[];
  /** Its own argument name and help for some of them, where the shared ones would mislead. */
  readonly flagHelp?: Readonly<Partial<Record<Flag, Pick<FlagSpec, 'arg' | 'help'>>>>;
  /** Lines of its help about the environment. */
  readonly environment?: readonly string[];
  /** Whether it signs as a sender, and so takes the senders' credential flags and options. */
  readonly signs: boolean;
  run(values: Values, positionals: string[], context: Context): Promise<number>;
}

const REPLAY_TIMEOUT_MS = 10_000;

const COMMANDS: Readonly<Record<'send' | 'sign' | 'keygen' | 'replay', Command>> = {
  send: {
    synopsis:
      "send <sender> --url <url> [credentials] [sender options] [--body <file|->] [--header <'Name: value'>]...",
    about:
      'Signs a body as <sender> does and POSTs it with Content-Type: application/json and the headers\n' +
      '<sender> sends beside the body (GitHub\'s X-GitHub-Event), then prints "HTTP <status> <text>"\n' +
      'and the reply. Exit 0 on a 2xx reply, 1 otherwise, 2 on a usage error.',
    flags: ['url', 'body', 'header', 'help'],
    signs: true,
    run: send,
  },
  sign: {
    synopsis:
      'sign <sender> [credentials] [sender options] [--body <file|->] [--format headers|curl] [--url <url>]',
    about:
      'Prints the headers "send" would send for the same flags, or a curl command sending them\n' +
      '(to --url, else "$URL"). It prints credentials by design: keep its output private.',
    flags: ['body', 'header', 'format', 'url', 'help'],
    signs: true,
    run: sign,
  },
  keygen: {
    synopsis: 'keygen [--bits <n>] [--out-dir <dir>]',
    about:
      'Makes a fresh RSA key pair for trying illow locally: the receiver gets the public key,\n"send illow --private-key" the private one.',
    flags: ['bits', 'out-dir', 'help'],
    signs: false,
    run: keygen,
  },
  replay: {
    synopsis: 'replay <delivery-id> --url <receiver-url> [--admin-token <token>]',
    about:
      'Asks the reference receiver to run a delivery of its log again: POSTs to\n' +
      '<receiver-url>/api/deliveries/<delivery-id>/replay and prints the id of the new delivery.\n' +
      '<receiver-url> is where the receiver serves, e.g. http://localhost:3000, not a webhook route;\n' +
      'a path in it is kept as a prefix (a receiver behind a proxy). Exit 0 once the receiver took\n' +
      `the replay, 1 when it refuses it or gives no answer within ${REPLAY_TIMEOUT_MS / 1000} s, 2 on a usage error.`,
    flags: ['url', 'admin-token', 'help'],
    flagHelp: { url: { arg: '<receiver-url>', help: "the receiver's base URL, e.g. http://localhost:3000" } },
    environment: [
      'Environment:',
      "  ADMIN_TOKEN  the receiver's admin token, sent as Authorization: Bearer (--admin-token wins).",
      '               Unset, none is sent: a receiver without one serves its own host only.',
    ],
    signs: false,
    run: replay,
  },
};
type CommandName = keyof typeof COMMANDS;

/**
 * Runs the tool. `senders`: the definitions it signs as (default: the built-ins); everything it
 * knows about them (names, flags, help, environment, default body) is read from these.
 */
export async function run(
  argv: string[],
  io: CliIo,
  senders: readonly WebhookSender[] = BUILT_IN_SENDERS,
): Promise<number> {
  const [first, ...rest] = argv;
  const name = first !== undefined && !first.startsWith('-') ? first : undefined;
  try {
    const catalog = new SenderCatalog(senders, Object.keys(FLAGS));
    if (name === undefined) return await top(argv, io, catalog);
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command '${name}'`);
    const command = COMMANDS[name as CommandName];
    const { values, positionals } = parse(flagsOf(command, catalog), rest);
    if (values.help) {
      io.stdout(commandHelp(name as CommandName, catalog));
      return 0;
    }
    return await command.run(values, positionals, { io, catalog });
  } catch (error) {
    if (!(error instanceof UsageError)) {
      io.stderr(`${TOOL}: ${errorCode(error)}\n`);
      return 1;
    }
    const scope = name !== undefined && Object.hasOwn(COMMANDS, name) ? ` ${name}` : '';
    io.stderr(`${TOOL}: ${error.message}\nRun '${TOOL}${scope} --help' for usage.\n`);
    return 2;
  }
}

async function top(argv: string[], io: CliIo, catalog: SenderCatalog): Promise<number> {
  const { values } = parse(ownFlags(['help', 'version']), argv);
  if (values.version) {
    // Two levels below the package root from both src/cli and dist/cli.
    const manifest = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
    io.stdout(`${(JSON.parse(manifest) as { version: string }).version}\n`);
    return 0;
  }
  if (values.help) {
    io.stdout(toolHelp(catalog));
    return 0;
  }
  io.stderr(toolHelp(catalog));
  return 2;
}

type NamedFlag = readonly [name: string, spec: FlagSpec];

const ownFlags = (flags: readonly Flag[], own: Command['flagHelp'] = {}): NamedFlag[] =>
  flags.map((flag) => [flag, { ...FLAGS[flag], ...own[flag] }] as const);
const senderFlags = (flags: readonly SenderFlag[]): NamedFlag[] =>
  flags.map((flag) => [flag.name, flag] as const);

/** A command's flags: its own, and for `send` and `sign` every flag some sender brings. */
const flagsOf = (command: Command, catalog: SenderCatalog): NamedFlag[] => [
  ...ownFlags(command.flags),
  ...(command.signs ? senderFlags(catalog.flags) : []),
];

function parse(flags: readonly NamedFlag[], args: string[]): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    flags.map(([flag, { type, multiple = false, short }]) => [
      flag,
      short === undefined ? { type, multiple } : { type, multiple, short },
    ]),
  );
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as {
      values: Values;
      positionals: string[];
    };
  } catch (error) {
    if (!String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    // Node's messages name the option, never its value; only their first sentence is wanted.
    throw new UsageError((error as Error).message.split(/\.\s|\n/)[0]);
  }
}

const text = (values: Values, flag: Flag): string | undefined => {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
};

/** What "send" posts and "sign" prints, so the two cannot disagree. */
interface PreparedRequest {
  readonly url?: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Set when the body came from a file, so a curl command can point at it. */
  readonly bodyFile?: string;
}

async function prepare(
  values: Values,
  positionals: string[],
  { io, catalog }: Context,
): Promise<PreparedRequest> {
  if (positionals.length > 1)
    throw new UsageError(`expected one sender, got ${positionals.length} arguments`);
  const sender = catalog.named(positionals[0]);
  catalog.checkFlagsApply(sender, Object.keys(values));
  const source = text(values, 'body');
  const body = await readBody(sender, source, io);
  const input = await SenderInput.resolve(sender, values, io.env);
  const fields = sender.cli.asHeaders?.(body, input);
  const payload = fields === undefined ? body : Buffer.alloc(0);
  const signed = signAs(sender, payload, input);
  // An empty body is not JSON, so it goes without a content type. The sample's headers (GitHub's
  // X-GitHub-Event) go with any body; the signer's (`--event`), then --header, win over them.
  const base =
    fields === undefined ? [{ 'Content-Type': 'application/json' }, sender.sample.headers ?? {}] : [fields];
  const headers = withHeaders([...base, signed], (values.header as string[] | undefined) ?? []);
  const url = text(values, 'url');
  return {
    url: url === undefined ? undefined : endpoint(sender, url, input.routeEvent()),
    headers,
    body: payload,
    bodyFile: source === '-' || fields !== undefined ? undefined : source,
  };
}

async function readBody(sender: CliSender, source: string | undefined, io: CliIo): Promise<Buffer> {
  if (source === undefined) return Buffer.from(JSON.stringify(sender.sample.payload), 'utf8');
  if (source === '-') return (io.readStdin ?? readProcessStdin)();
  try {
    return await readFile(source);
  } catch (error) {
    throw new UsageError(`cannot read --body file '${source}' (${errorCode(error)})`);
  }
}

async function readProcessStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Sets a header, replacing any of that name whatever its case (fetch would join them). */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  headers[name] = value;
}

/** The layers' headers, each replacing the one before it, then each "Name: value" of --header. */
function withHeaders(
  layers: readonly Readonly<Record<string, string>>[],
  extra: readonly string[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const layer of layers)
    for (const [name, value] of Object.entries(layer)) setHeader(headers, name, value);
  for (const line of extra) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // Not echoed: the value may well be a credential.
    if (colon < 0 || !TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new UsageError("--header must be 'Name: value' on one line");
    }
    setHeader(headers, name, value);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value))
      throw new UsageError(`header '${name}' cannot be sent as is`);
  }
  return headers;
}

/**
 * A sender whose event comes from the route is served one URL per event: a URL ending in the
 * sender's id (`/webhooks/<id>`) gets the event appended.
 */
function endpoint(sender: CliSender, url: string, event: string | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  // The URL is not echoed: it may carry a token in its query.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError('--url must be an absolute http or https URL');
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (event !== undefined && path.split('/').at(-1) === sender.id) {
    parsed.pathname = `${path}/${encodeURIComponent(event)}`;
  }
  return parsed.href;
}

async function send(values: Values, positionals: string[], context: Context): Promise<number> {
  const { io } = context;
  if (text(values, 'url') === undefined) throw new UsageError('send needs --url <url>');
  const request = await prepare(values, positionals, context);
  const url = request.url as string;
  let response: Response;
  try {
    response = await (io.fetch ?? fetch)(url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    io.stderr(`${TOOL}: no reply from ${new URL(url).host}: ${errorCode(cause ?? error)}\n`);
    return 1;
  }
  io.stdout(`HTTP ${response.status} ${response.statusText}\n`);
  const reply = await response.text();
  if (reply !== '') io.stdout(reply.endsWith('\n') ? reply : `${reply}\n`);
  return response.ok ? 0 : 1;
}

async function sign(values: Values, positionals: string[], context: Context): Promise<number> {
  const { io } = context;
  const format = oneOf('--format', text(values, 'format') ?? 'headers', ['headers', 'curl'] as const);
  const request = await prepare(values, positionals, context);
  io.stdout(format === 'curl' ? curlCommand(request) : headerLines(request.headers));
  return 0;
}

const headerLines = (headers: Record<string, string>): string =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\n`)
    .join('');

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

function curlCommand({ url, headers, body, bodyFile }: PreparedRequest): string {
  const parts = [`curl -X POST ${url === undefined ? '"$URL"' : shellQuote(url)}`];
  for (const [name, value] of Object.entries(headers)) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (bodyFile !== undefined) {
    parts.push(`--data-binary @${shellQuote(bodyFile)}`);
  } else if (body.length > 0) {
    const inline = body.toString('utf8');
    // The signature covers the exact bytes: a body that does not survive as shell text must come from a file.
    if (!Buffer.from(inline, 'utf8').equals(body) || inline.includes('\0')) {
      throw new UsageError('this body cannot be inlined in a curl command; pass it with --body <file>');
    }
    parts.push(`--data-binary ${shellQuote(inline)}`);
  }
  return `${parts.join(' \\\n  ')}\n`;
}

const KEY_FILES = { publicKey: 'illow.pub.pem', privateKey: 'illow.key.pem' } as const;

async function keygen(values: Values, positionals: string[], { io }: Context): Promise<number> {
  if (positionals.length > 0) throw new UsageError('keygen takes no arguments');
  const bitsText = text(values, 'bits') ?? '2048';
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || bits < 1024 || bits > 8192) {
    throw new UsageError('--bits must be a whole number from 1024 to 8192');
  }
  const pair = generateIllowKeyPair(bits);
  const dir = text(values, 'out-dir');
  if (dir === undefined) {
    io.stdout(pair.publicKey + pair.privateKey);
    return 0;
  }
  const publicPath = join(dir, KEY_FILES.publicKey);
  const privatePath = join(dir, KEY_FILES.privateKey);
  // Checked before writing either, so a refusal never leaves a half-replaced pair.
  for (const path of [publicPath, privatePath]) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new UsageError(`${path} already exists; not overwriting a key`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(privatePath, pair.privateKey, { mode: 0o600, flag: 'wx' });
  await writeFile(publicPath, pair.publicKey, { mode: 0o644, flag: 'wx' });
  io.stdout(`Wrote ${publicPath} (for the receiver) and ${privatePath} (mode 0600, for --private-key).\n`);
  return 0;
}

/** A header value fetch can send and the receiver's `Bearer (\S+)` can match. */
const BEARER_TOKEN = /^[\x21-\x7e]+$/;
/** Control characters, C1 included: a receiver's words are printed, never its terminal escapes. */
const CONTROL = /\p{Cc}/u;

/** The token `replay` sends: the flag's, else ADMIN_TOKEN's; blank counts as unset. Never echoed. */
function adminToken(values: Values, env: NodeJS.ProcessEnv): string | undefined {
  const flag = text(values, 'admin-token');
  const [source, value] = flag === undefined ? ['ADMIN_TOKEN', env.ADMIN_TOKEN] : ['--admin-token', flag];
  const token = value?.trim();
  if (token === undefined || token === '') return undefined;
  if (!BEARER_TOKEN.test(token)) throw new UsageError(`${source} must be visible ASCII without spaces`);
  return token;
}

/** `<base>/api/deliveries/<id>/replay`, a path of the base kept as a prefix and its query kept. */
function replayUrl(base: string, id: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('--url must be an absolute http or https URL');
  }
  // fetch refuses such a URL; the token has its own way in.
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('--url cannot hold credentials; the admin token goes in ADMIN_TOKEN');
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/deliveries/${encodeURIComponent(id)}/replay`;
  url.hash = '';
  return url;
}

/** The receiver's own words from an error reply (Nest's `message`, else the text), on one line. */
function receiverMessage(reply: string): string | undefined {
  let message: unknown = reply;
  try {
    const parsed = JSON.parse(reply) as { message?: unknown };
    message = parsed?.message;
    if (Array.isArray(message) && message.every((part) => typeof part === 'string'))
      message = message.join('; ');
  } catch {
    // Not JSON: the text itself.
  }
  if (typeof message !== 'string') return undefined;
  const line = message.replace(/\p{Cc}/gu, ' ').trim();
  if (line === '') return undefined;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** The line a refused replay prints, by status. */
function refusal(status: number, statusText: string, reply: string, id: string, withToken: boolean): string {
  const message = receiverMessage(reply);
  switch (status) {
    case 401:
      return withToken
        ? 'the receiver refused the admin token (HTTP 401): check ADMIN_TOKEN'
        : 'the receiver needs its admin token (HTTP 401): set ADMIN_TOKEN';
    case 403:
      return `the receiver refused access (HTTP 403)${message === undefined ? '' : `: ${message}`}`;
    case 404:
      // Nest's answer for a route it does not have, as when --url is a webhook route.
      if (message?.startsWith('Cannot POST ')) {
        return 'the receiver has no replay route there (HTTP 404): --url is its base URL, e.g. http://localhost:3000';
      }
      return `no delivery ${id}`;
    case 409:
      return message ?? `delivery ${id} cannot be replayed now (HTTP 409)`;
    default:
      if (status >= 300 && status < 400) {
        return `the receiver answered HTTP ${status}, a redirect, not followed: give --url where it serves`;
      }
      return `the receiver answered HTTP ${status} ${statusText}${message === undefined ? '' : `: ${message}`}`;
  }
}

async function replay(values: Values, positionals: string[], { io }: Context): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'replay needs a <delivery-id>'
        : `expected one delivery id, got ${positionals.length} arguments`,
    );
  }
  const id = positionals[0];
  // '.' and '..' would be resolved away as path segments, even encoded.
  if (id === '' || id === '.' || id === '..' || CONTROL.test(id)) {
    throw new UsageError("<delivery-id> must be an id from the receiver's delivery log");
  }
  const base = text(values, 'url');
  if (base === undefined) throw new UsageError('replay needs --url <receiver-url>');
  const url = replayUrl(base, id);
  const token = adminToken(values, io.env);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const timeoutMs = io.timeoutMs ?? REPLAY_TIMEOUT_MS;
  // Covers the reply's body too, so a receiver that stalls mid-answer cannot hang the tool.
  const signal = AbortSignal.timeout(timeoutMs);
  // A receiver's words could, by mistake, hold what it was sent.
  const say = (line: string): string => (token === undefined ? line : line.replaceAll(token, '***'));
  let response: Response;
  let reply: string;
  try {
    // Redirects are not followed: a POST would turn into a GET, and the token go elsewhere.
    response = await (io.fetch ?? fetch)(url, { method: 'POST', headers, redirect: 'manual', signal });
    reply = await response.text();
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    io.stderr(
      signal.aborted
        ? `${TOOL}: no reply from ${url.host} within ${timeoutMs / 1000} s\n`
        : `${TOOL}: no reply from ${url.host}: ${say(errorCode(cause ?? error))}\n`,
    );
    return 1;
  }
  if (!response.ok) {
    io.stderr(
      `${TOOL}: ${say(refusal(response.status, response.statusText, reply, id, token !== undefined))}\n`,
    );
    return 1;
  }
  let replayId: unknown;
  try {
    replayId = (JSON.parse(reply) as { id?: unknown })?.id;
  } catch {
    replayId = undefined;
  }
  if (typeof replayId !== 'string' || replayId === '' || CONTROL.test(replayId)) {
    io.stderr(
      `${TOOL}: the receiver took the replay (HTTP ${response.status}) but its reply names no delivery id\n`,
    );
    return 1;
  }
  io.stdout(`${say(replayId)}\n`);
  return 0;
}

/** `  --flag <arg>  help`, the help of every line of one screen in one column. */
function optionLines(flags: readonly NamedFlag[], width: number): string[] {
  return flags.map(([flag, spec]) => `  ${flagLabel(flag, spec).padEnd(width)}${spec.help}`);
}

function flagLabel(flag: string, spec: FlagSpec): string {
  const names = spec.short ? `-${spec.short}, --${flag}` : `--${flag}`;
  return spec.arg ? `${names} ${spec.arg}` : names;
}

const columnFor = (sections: readonly (readonly NamedFlag[])[]): number =>
  Math.max(...sections.flat().map(([flag, spec]) => flagLabel(flag, spec).length)) + 2;

/** The sections a signing command's help adds: the senders, their flags and their variables. */
function senderSections(catalog: SenderCatalog, scope: string, width: number): string[] {
  const lines = [`Senders: ${catalog.senders.map(({ id }) => id).join(', ')}`];
  if (catalog.credentials.length > 0) {
    lines.push('', `Credential options${scope}:`, ...optionLines(senderFlags(catalog.credentials), width));
  }
  if (catalog.options.length > 0) {
    lines.push('', `Sender options${scope}:`, ...optionLines(senderFlags(catalog.options), width));
  }
  return [...lines, '', ...environmentLines(catalog)];
}

function environmentLines(catalog: SenderCatalog): string[] {
  const rows = catalog.senders.flatMap(({ id, cli }) =>
    Object.entries(cli.credentials).map(([flag, { env }], i) => [i === 0 ? id : '', `--${flag}`, env]),
  );
  const keys = catalog.senders.flatMap(({ cli }) =>
    Object.values(cli.credentials).filter((credential) => credential.key === true),
  );
  const widths = [0, 1].map((column) => Math.max(0, ...rows.map((row) => row[column].length)) + 2);
  return [
    'Environment: each credential flag falls back to the variable the receiver reads, so secrets',
    'stay off the process list. Of a comma-separated list (a rotation), the first is used.',
    ...rows.map(([id, flag, variable]) => `  ${id.padEnd(widths[0])}${flag.padEnd(widths[1])}${variable}`),
    ...keys.map(({ env }) => `  (${env} holds the PEM text or the path of a PEM file.)`),
  ];
}

function commandHelp(name: CommandName, catalog: SenderCatalog): string {
  const command = COMMANDS[name];
  const own = ownFlags(command.flags, command.flagHelp);
  const width = columnFor(command.signs ? [own, senderFlags(catalog.flags)] : [own]);
  const lines = [
    `Usage: ${TOOL} ${command.synopsis}`,
    '',
    command.about,
    '',
    'Options:',
    ...optionLines(own, width),
  ];
  if (command.signs) lines.push('', ...senderSections(catalog, '', width));
  if (command.environment) lines.push('', ...command.environment);
  return `${lines.join('\n')}\n`;
}

/** `A, B and C`. */
const listed = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

function toolHelp(catalog: SenderCatalog): string {
  const titles = catalog.senders.map((sender) => sender.title ?? sender.id);
  const width = columnFor([senderFlags(catalog.flags), ownFlags(['help'])]);
  const lines = [
    `${TOOL}: sign and send webhooks exactly as ${listed(titles)} do,`,
    'to try a receiver built with the nestjs-webhooks module, and ask the reference receiver to',
    'replay a delivery.',
    '',
    'Usage:',
    ...Object.values(COMMANDS).map((command) => `  ${TOOL} ${command.synopsis}`),
    `  ${TOOL} --help | --version`,
    '',
    ...senderSections(catalog, ' (send, sign)', width),
    '',
    "replay sends the receiver's admin token from ADMIN_TOKEN (or --admin-token).",
    '',
    `Run '${TOOL} <command> --help' for each command's options.`,
  ];
  return `${lines.join('\n')}\n`;
}
