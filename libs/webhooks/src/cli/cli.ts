import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateIllowKeyPair } from '../schemes/index.js';
import { DEFAULT_ILLOW_EVENT, SAMPLE_PAYLOADS } from '../testing/samples.js';
import type { WebhookProvider } from '../webhooks.constants.js';
import {
  checkFlagsApply,
  Credentials,
  errorCode,
  oneOf,
  PROVIDERS,
  providerNamed,
  UsageError,
} from './providers.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  readStdin?: () => Promise<Buffer>;
}

const TOOL = 'nestjs-webhooks';

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly arg?: string;
  readonly help: string;
}

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
  event: {
    type: 'string',
    arg: '<name>',
    help: `illow: event appended to a URL ending in /illow (default ${DEFAULT_ILLOW_EVENT})`,
  },
  'as-headers': { type: 'boolean', help: "ovcode: send the body's fields as headers, with an empty body" },
  secret: { type: 'string', arg: '<secret>', help: 'oxskyt, inkit: the shared secret' },
  'api-secret': {
    type: 'string',
    arg: '<secret>',
    help: 'ovcode: the x-api-secret token; certificall: the HMAC secret',
  },
  'bearer-token': { type: 'string', arg: '<token>', help: 'certificall: the bearer token' },
  'api-key': { type: 'string', arg: '<key>', help: 'certificall: the HMAC API key (with --api-secret)' },
  username: { type: 'string', arg: '<name>', help: 'certificall: the Basic username (with --password)' },
  password: { type: 'string', arg: '<password>', help: 'certificall: the Basic password' },
  method: {
    type: 'string',
    arg: '<hmac|bearer|basic>',
    help: 'certificall: method to use (default: from the credentials given, in that order)',
  },
  encoding: {
    type: 'string',
    arg: '<hex|base64>',
    help: 'certificall hmac: signature encoding (default hex)',
  },
  'private-key': { type: 'string', arg: '<file>', help: 'illow: RSA private key, a PEM file' },
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
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, FlagSpec>;

type Flag = keyof typeof FLAGS;
type Values = Readonly<Partial<Record<Flag, string | boolean | string[]>>>;

const CREDENTIALS: readonly Flag[] = [
  'secret',
  'api-secret',
  'bearer-token',
  'api-key',
  'username',
  'password',
  'method',
  'encoding',
  'private-key',
];
const SIGNING: readonly Flag[] = ['body', 'header', 'event', 'as-headers', ...CREDENTIALS];

interface Command {
  readonly synopsis: string;
  readonly about: string;
  readonly flags: readonly Flag[];
  readonly credentials: boolean;
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Readonly<Record<'send' | 'sign' | 'keygen', Command>> = {
  send: {
    synopsis:
      "send <provider> --url <url> [credentials] [--body <file|->] [--event <name>] [--as-headers] [--header <'Name: value'>]...",
    about:
      'Signs a body as <provider> does and POSTs it with Content-Type: application/json, then prints\n' +
      '"HTTP <status> <text>" and the reply. Exit 0 on a 2xx reply, 1 otherwise, 2 on a usage error.',
    flags: ['url', ...SIGNING, 'help'],
    credentials: true,
    run: send,
  },
  sign: {
    synopsis: 'sign <provider> [credentials] [--body <file|->] [--format headers|curl] [--url <url>]',
    about:
      'Prints the headers "send" would send for the same flags, or a curl command sending them\n' +
      '(to --url, else "$URL"). It prints credentials by design: keep its output private.',
    flags: [...SIGNING, 'format', 'url', 'help'],
    credentials: true,
    run: sign,
  },
  keygen: {
    synopsis: 'keygen [--bits <n>] [--out-dir <dir>]',
    about:
      'Makes a fresh RSA key pair for trying illow locally: the receiver gets the public key,\n"send illow --private-key" the private one.',
    flags: ['bits', 'out-dir', 'help'],
    credentials: false,
    run: keygen,
  },
};
type CommandName = keyof typeof COMMANDS;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  const name = first !== undefined && !first.startsWith('-') ? first : undefined;
  try {
    if (name === undefined) return await top(argv, io);
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command '${name}'`);
    const command = COMMANDS[name as CommandName];
    const { values, positionals } = parse(command.flags, rest);
    if (values.help) {
      io.stdout(commandHelp(name as CommandName));
      return 0;
    }
    return await command.run(values, positionals, io);
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

async function top(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(['help', 'version'], argv);
  if (values.version) {
    // Two levels below the package root from both src/cli and dist/cli.
    const manifest = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
    io.stdout(`${(JSON.parse(manifest) as { version: string }).version}\n`);
    return 0;
  }
  if (values.help) {
    io.stdout(toolHelp());
    return 0;
  }
  io.stderr(toolHelp());
  return 2;
}

function parse(flags: readonly Flag[], args: string[]): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    flags.map((flag) => {
      const { type, multiple = false, short } = FLAGS[flag] as FlagSpec;
      return [flag, short === undefined ? { type, multiple } : { type, multiple, short }];
    }),
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

async function prepare(values: Values, positionals: string[], io: CliIo): Promise<PreparedRequest> {
  if (positionals.length > 1)
    throw new UsageError(`expected one provider, got ${positionals.length} arguments`);
  const provider = providerNamed(positionals[0]);
  checkFlagsApply(provider, Object.keys(values));
  const source = text(values, 'body');
  const body = await readBody(provider, source, io);
  const fields = values['as-headers'] ? fieldsOf(body) : undefined;
  const payload = fields === undefined ? body : Buffer.alloc(0);
  const credentials = await Credentials.resolve(provider, values, io.env);
  const signed = PROVIDERS[provider].sign(payload, credentials, {
    method: text(values, 'method'),
    encoding: text(values, 'encoding'),
  });
  // An empty body is not JSON, so it goes without a content type.
  const base = fields === undefined ? { 'Content-Type': 'application/json' } : fields;
  const headers = withHeaders({ ...base, ...signed }, (values.header as string[] | undefined) ?? []);
  const url = text(values, 'url');
  return {
    url:
      url === undefined ? undefined : endpoint(provider, url, text(values, 'event') ?? DEFAULT_ILLOW_EVENT),
    headers,
    body: payload,
    bodyFile: source === '-' || fields !== undefined ? undefined : source,
  };
}

async function readBody(provider: WebhookProvider, source: string | undefined, io: CliIo): Promise<Buffer> {
  if (source === undefined) return Buffer.from(JSON.stringify(SAMPLE_PAYLOADS[provider]), 'utf8');
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

function fieldsOf(body: Buffer): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError('--as-headers needs a JSON object body');
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Adds each "Name: value", replacing any header of that name whatever its case (fetch would join them). */
function withHeaders(base: Record<string, string>, extra: readonly string[]): Record<string, string> {
  const headers = { ...base };
  for (const line of extra) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // Not echoed: the value may well be a credential.
    if (colon < 0 || !TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new UsageError("--header must be 'Name: value' on one line");
    }
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value))
      throw new UsageError(`header '${name}' cannot be sent as is`);
  }
  return headers;
}

/** illow's receiver takes the event from the path, so a URL ending in /illow gets it appended. */
function endpoint(provider: WebhookProvider, url: string, event: string): string {
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
  if (provider === 'illow' && path.split('/').at(-1) === 'illow') {
    parsed.pathname = `${path}/${encodeURIComponent(event)}`;
  }
  return parsed.href;
}

async function send(values: Values, positionals: string[], io: CliIo): Promise<number> {
  if (text(values, 'url') === undefined) throw new UsageError('send needs --url <url>');
  const request = await prepare(values, positionals, io);
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

async function sign(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const format = oneOf('--format', text(values, 'format') ?? 'headers', ['headers', 'curl'] as const);
  const request = await prepare(values, positionals, io);
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

async function keygen(values: Values, positionals: string[], io: CliIo): Promise<number> {
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

function optionLines(flags: readonly Flag[]): string[] {
  const labels = flags.map((flag) => {
    const spec: FlagSpec = FLAGS[flag];
    const names = spec.short ? `-${spec.short}, --${flag}` : `--${flag}`;
    return spec.arg ? `${names} ${spec.arg}` : names;
  });
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  return flags.map((flag, i) => `  ${labels[i].padEnd(width)}${FLAGS[flag].help}`);
}

function environmentLines(): string[] {
  const rows = Object.entries(PROVIDERS).flatMap(([provider, spec]) =>
    Object.entries(spec.credentials).map(([flag, variable], i) => [
      i === 0 ? provider : '',
      `--${flag}`,
      variable,
    ]),
  );
  return [
    'Environment: each credential flag falls back to the variable the receiver reads, so secrets',
    'stay off the process list. Of a comma-separated list (a rotation), the first is used.',
    ...rows.map(([provider, flag, variable]) => `  ${provider.padEnd(13)}${flag.padEnd(16)}${variable}`),
    '  (ILLOW_PRIVATE_KEY holds the PEM text or the path of a PEM file.)',
  ];
}

function commandHelp(name: CommandName): string {
  const command = COMMANDS[name];
  const lines = [
    `Usage: ${TOOL} ${command.synopsis}`,
    '',
    command.about,
    '',
    'Options:',
    ...optionLines(command.flags),
  ];
  if (command.credentials) {
    lines.push('', `Providers: ${Object.keys(PROVIDERS).join(', ')}`, '', ...environmentLines());
  }
  return `${lines.join('\n')}\n`;
}

function toolHelp(): string {
  const lines = [
    `${TOOL}: sign and send webhooks exactly as OxsKYT, Inkit, OVCODE, Certificall and illow do,`,
    'to try a receiver built with the nestjs-webhooks module.',
    '',
    'Usage:',
    ...Object.values(COMMANDS).map((command) => `  ${TOOL} ${command.synopsis}`),
    `  ${TOOL} --help | --version`,
    '',
    'Credential options (send, sign):',
    ...optionLines(CREDENTIALS),
    '',
    ...environmentLines(),
    '',
    `Run '${TOOL} <command> --help' for each command's options.`,
  ];
  return `${lines.join('\n')}\n`;
}
