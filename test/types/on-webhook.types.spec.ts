import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Compiles on-webhook.types.ts as `tsc -p test/types/tsconfig.json` would (the repo's options, that
// file and what it imports), then the same program with its `@ts-expect-error` directives blanked
// out: the first must be clean, the second must fail on exactly the lines the directives guarded.

const here = dirname(fileURLToPath(import.meta.url));
const CONFIG = join(here, 'tsconfig.json');
const TYPES_FILE = join(here, 'on-webhook.types.ts');

/** `// @ts-expect-error the name: why`, whole-line directives only, each saying what it expects. */
const DIRECTIVE = /^(\s*)\/\/ @ts-expect-error (the name|the call|the handler): \S.*$/;
/** The decorator factory refused its arguments (the name, the options, the outcome kind). */
const CALL_ERRORS = [2345, 2769];
/** The arguments were accepted, and the decorator refused the method it was put on. */
const HANDLER_ERRORS = [1240, 1241];

interface Diagnostic {
  file: string;
  line: number;
  code: number;
  message: string;
}

function compile(replace?: { file: string; text: string }, oldProgram?: ts.Program) {
  const parsed = ts.getParsedCommandLineOfConfigFile(CONFIG, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${CONFIG}`);
  expect(parsed.errors).toEqual([]);
  const host = ts.createCompilerHost(parsed.options);
  if (replace) {
    const { getSourceFile, readFile } = host;
    host.getSourceFile = (fileName, language, ...rest) =>
      fileName === replace.file
        ? ts.createSourceFile(fileName, replace.text, language)
        : getSourceFile.call(host, fileName, language, ...rest);
    host.readFile = (fileName) => (fileName === replace.file ? replace.text : readFile.call(host, fileName));
  }
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    host,
    oldProgram,
  });
  const diagnostics: Diagnostic[] = ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file?.fileName ?? '(global)',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]!,
  }));
  return { program, diagnostics };
}

const source = readFileSync(TYPES_FILE, 'utf8');
const lines = source.split('\n');
/** Each directive: the 1-based line it guards, and what it expects there. */
const directives = lines.flatMap((line, index) => {
  const match = DIRECTIVE.exec(line);
  return match ? [{ line: index + 2, expects: match[2]!, text: lines[index + 1]!.trim() }] : [];
});
/** The same text, directives blanked to `//` so that every line keeps its number. */
const stripped = lines.map((line) => line.replace(DIRECTIVE, '$1//')).join('\n');

describe('typed @OnWebhook names and handlers (test/types/on-webhook.types.ts)', () => {
  let clean: ReturnType<typeof compile>;
  let bare: ReturnType<typeof compile>;

  beforeAll(() => {
    clean = compile();
    bare = compile({ file: TYPES_FILE, text: stripped }, clean.program);
  }, 60_000);

  it('has only directives that say what they expect', () => {
    // A directive written another way would be blanked by no one and checked for nothing.
    const all = lines.filter((line) => /^\s*\/\/\s*@ts-(expect-error|ignore|nocheck)/.test(line));
    expect(all).toHaveLength(directives.length);
    expect(directives.length).toBeGreaterThanOrEqual(20);
    expect(stripped).not.toMatch(/\/\/ @ts-expect-error/);
    expect(stripped.split('\n')).toHaveLength(lines.length);
  });

  it('compiles with no diagnostic at all (so every directive meets an error)', () => {
    expect(clean.program.getRootFileNames()).toEqual([TYPES_FILE]);
    expect(clean.diagnostics).toEqual([]);
  });

  it('fails without the directives on exactly the lines they guarded, and nowhere else', () => {
    const elsewhere = bare.diagnostics.filter((d) => d.file !== TYPES_FILE);
    expect(elsewhere).toEqual([]);
    const errorLines = [...new Set(bare.diagnostics.map((d) => d.line))].sort((a, b) => a - b);
    expect(errorLines).toEqual(directives.map((d) => d.line));
    expect(errorLines).toHaveLength(directives.length);
  });

  it.each(directives)('line $line fails on $expects: $text', ({ line, expects }) => {
    const codes = bare.diagnostics.filter((d) => d.line === line).map((d) => d.code);
    if (expects === 'the handler') {
      // The name and options were accepted: only the method was refused.
      expect(codes.length).toBeGreaterThan(0);
      for (const code of codes) expect(HANDLER_ERRORS).toContain(code);
    } else {
      expect(codes.some((code) => CALL_ERRORS.includes(code))).toBe(true);
    }
  });

  it.each([
    "@OnWebhook('inkitt.DOCUMENT_CREATE_FINISHED')",
    "@OnWebhook('inkit.DOCUMENT_CREATE_FINSHED')",
    "@OnWebhook('inkitt.NEW_TYPE', { unlisted: true })",
    "@OnWebhook('globex.INVOICE_PAYED')",
  ])('refuses the name %s', (decorator) => {
    expect(directives).toContainEqual(expect.objectContaining({ text: decorator, expects: 'the name' }));
  });

  it('accepts an unlisted type with the escape hatch, on its sender only', () => {
    const at = lines.findIndex((line) => line.includes("@OnWebhook('inkit.NEW_TYPE', { unlisted: true })"));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toContain('WebhookEvent<InkitWebhookDto>');
    expect(bare.diagnostics.filter((d) => d.line === at + 1)).toEqual([]);
  });
});
