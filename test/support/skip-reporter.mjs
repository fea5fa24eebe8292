// A Jest reporter that ends every run by saying which tests were skipped and what would run them,
// and that fails the run in CI (CI=true), where every suite must run. Skipped suites name what
// they need in their title, through `needs()` (test/support/needs.ts): "[needs Redis: …]".
const NEEDS = /\[needs ([^\]:]+): ([^\]]+)\]/;

export default class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    this.results = results;
    /** what is needed → { enable, files: Map<file, count> } */
    const byNeed = new Map();
    for (const file of results.testResults) {
      const relative = file.testFilePath.slice(this.rootDir.length + 1);
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'skipped') continue;
        const match = [...test.ancestorTitles, test.title].join(' ').match(NEEDS);
        const need = match ? match[1] : 'nothing named';
        const enable = match ? match[2] : 'skipped in the code without a `needs()` reason';
        const entry = byNeed.get(need) ?? { enable, files: new Map() };
        entry.files.set(relative, (entry.files.get(relative) ?? 0) + 1);
        byNeed.set(need, entry);
      }
    }
    const total = [...byNeed.values()].reduce(
      (n, e) => n + [...e.files.values()].reduce((a, b) => a + b, 0),
      0,
    );
    if (total === 0) {
      this.print(['Skipped: none. Every test ran.']);
      return;
    }
    const lines = [`\nSkipped: ${total} tests did not run.`];
    for (const [need, { enable, files }] of byNeed) {
      lines.push(`  needs ${need} (${enable}):`);
      for (const [file, count] of files) lines.push(`    ${file}: ${count}`);
    }
    if (process.env.CI === 'true') {
      lines.push('In CI every test must run: this run fails.');
      this.error = new Error(`${total} tests were skipped in CI`);
    }
    this.print(lines);
  }

  /**
   * Written now, beside Jest's own summary on stderr, not on exit: Jest's
   * forceExit ends the process without emitting 'exit' handlers' output reliably.
   */
  print(lines) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = this.results;
    const counts = `jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`;
    process.stderr.write(`\n${[...lines, counts].join('\n')}\n`);
  }

  getLastError() {
    return this.error;
  }
}
