/** One sample of Prometheus's text exposition format: `name{label="value",...} value`. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What a scrape holds: each family's TYPE and HELP, and every sample. */
export interface PrometheusScrape {
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  readonly samples: readonly PrometheusSample[];
  /** The value of the sample with exactly these labels, or undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of `name`. */
  all(name: string): PrometheusSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Parses the text format (version 0.0.4) strictly enough for tests: a malformed line throws,
 * naming it, rather than being skipped, so that a broken exposition fails the test that reads it.
 */
export function parsePrometheus(text: string): PrometheusScrape {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'TYPE' ? types : help).set(comment[2]!, comment[3]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    samples.push(parseSample(line));
  }
  const matches = (sample: PrometheusSample, labels: Record<string, string>) => {
    const keys = Object.keys(sample.labels);
    return (
      keys.length === Object.keys(labels).length && keys.every((key) => sample.labels[key] === labels[key])
    );
  };
  return {
    types,
    help,
    samples,
    value: (name, labels = {}) =>
      samples.find((sample) => sample.name === name && matches(sample, labels))?.value,
    all: (name) => samples.filter((sample) => sample.name === name),
  };
}

function parseSample(line: string): PrometheusSample {
  const fail = (why: string): never => {
    throw new Error(`not a Prometheus sample (${why}): ${line}`);
  };
  const name = NAME.exec(line)?.[0] ?? fail('no metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0] ?? fail('no label name');
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) fail(`no value for ${label}`);
      rest = rest.slice(2);
      let value = '';
      for (;;) {
        const char = rest[0] ?? fail(`unterminated value of ${label}`);
        rest = rest.slice(1);
        if (char === '"') break;
        if (char !== '\\') {
          value += char;
          continue;
        }
        const escaped = rest[0];
        rest = rest.slice(1);
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else fail(`bad escape in ${label}`);
      }
      if (label in labels) fail(`${label} twice`);
      labels[label] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) fail('labels not separated by commas');
    }
    rest = rest.slice(1);
  }
  const fields = rest.trim().split(/\s+/);
  if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) fail('no value');
  const raw = fields[0]!;
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
  const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
  const value = special[raw.toLowerCase()] ?? Number(raw);
  if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') fail(`bad value ${raw}`);
  return { name, labels, value };
}
