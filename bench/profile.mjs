// Top self-time functions of a V8 .cpuprofile (as the bench's servers write them, or `node --cpu-prof`).
// `node bench/profile.mjs <file.cpuprofile> [top]`, `node bench/profile.mjs <a> <b> [top]` to compare
// two (CPU µs per request by area), or imported by run.mjs for --profile.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where a function lives, short: the package for dependencies, the path for ours, node: for core. */
function place(url) {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const dependency = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (dependency) return dependency[1];
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

/** Self time in microseconds per key that `keyOf(callFrame)` gives, and the profile's total. */
function selfTime(file, keyOf) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const key = keyOf(byId.get(id).callFrame);
    times.set(key, (times.get(key) ?? 0) + micros);
  });
  return { times, total, requests: profile.requests ?? 1 };
}

const IDLE = '(idle) (native)';

/** Shares are of busy time (everything but idle), so a server waiting for its turn does not dilute them. */
export function topSelfTime(file, top = 15) {
  const { times, total, requests } = selfTime(
    file,
    ({ functionName, url, lineNumber }) =>
      `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`,
  );
  const busy = total - (times.get(IDLE) ?? 0);
  return {
    requests,
    busyMicros: busy,
    busyShare: busy / total,
    gcShare: (times.get('(garbage collector) (native)') ?? 0) / busy,
    top: [...times.entries()]
      .filter(([key]) => key !== IDLE)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, micros]) => ({ fn, share: micros / busy })),
  };
}

/** By package or area, so "how much is Nest, Fastify, ours" reads at a glance. */
export function selfTimeByArea(file) {
  const { times, total } = selfTime(file, ({ functionName, url }) =>
    url ? place(url).split('/').slice(0, 3).join('/') : `(${functionName.replace(/[()]/g, '')})`,
  );
  const busy = total - (times.get('(idle)') ?? 0);
  return [...times.entries()]
    .filter(([area]) => area !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .map(([area, micros]) => ({ area, share: micros / busy }));
}

/** CPU µs per request by area, of a profile the bench wrote (it records how many requests it covers). */
function perRequestByArea(file) {
  const { times, requests } = selfTime(file, ({ functionName, url }) =>
    url ? place(url).split('/').slice(0, 3).join('/') : `(${functionName.replace(/[()]/g, '')})`,
  );
  times.delete('(idle)');
  return new Map([...times].map(([area, micros]) => [area, micros / requests]));
}

/** Two profiles side by side, per request: where the second spends more, or less, than the first. */
export function compareByArea(before, after, top = 25) {
  const a = perRequestByArea(before);
  const b = perRequestByArea(after);
  const total = (map) => [...map.values()].reduce((sum, micros) => sum + micros, 0);
  const rows = [...new Set([...a.keys(), ...b.keys()])]
    .map((area) => ({ area, before: a.get(area) ?? 0, after: b.get(area) ?? 0 }))
    .sort((x, y) => Math.abs(y.after - y.before) - Math.abs(x.after - x.before))
    .slice(0, top);
  return { before: total(a), after: total(b), rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, second, top = '25'] = process.argv.slice(2);
  if (second?.endsWith('.cpuprofile')) {
    // `node bench/profile.mjs <a.cpuprofile> <b.cpuprofile> [top]`: CPU µs per request, b against a.
    const { before, after, rows } = compareByArea(file, second, Number(top));
    console.log(
      `CPU µs per request: ${before.toFixed(1)} -> ${after.toFixed(1)} (${(after - before).toFixed(1)})`,
    );
    console.log(`${'delta'.padStart(7)} ${'first'.padStart(7)} ${'second'.padStart(7)}  area`);
    for (const row of rows) {
      const cells = [row.after - row.before, row.before, row.after].map((n) => n.toFixed(1).padStart(7));
      console.log(`${cells.join(' ')}  ${row.area}`);
    }
  } else {
    const summary = topSelfTime(file, Number(second ?? top));
    console.log(
      `busy ${(summary.busyShare * 100).toFixed(1)}% of the profile; shares below are of busy time; GC ${(summary.gcShare * 100).toFixed(1)}%`,
    );
    for (const { fn, share } of summary.top) console.log(`${(share * 100).toFixed(2).padStart(6)}%  ${fn}`);
    console.log('\nby area:');
    for (const { area, share } of selfTimeByArea(file).slice(0, 15)) {
      console.log(`${(share * 100).toFixed(2).padStart(6)}%  ${area}`);
    }
  }
}
