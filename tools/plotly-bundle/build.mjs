// Builds pipelines/lib/reports/vendor/plotly-ptsm.min.js: plotly.js with only the trace types the PTSM pages draw.
//
// Why: the full plotly.js (4.8 MB) was 92 % of a regional profile served by the API and parsed by every page load;
// core + these traces is about a quarter of it. Same plotly.js version as the plotly Python package (its
// `get_plotlyjs()` banner), so figures serialised by plotly.py render as before; a Python test compares the two.
//
// TRACES is the one list: the entry registers it and the banner names it; the release's page check reads the
// banner (`notebooks.bundle_trace_types`) and refuses a page drawing any other type. A new trace type in a figure:
// add it here, `npm ci && npm run build`, commit the bundle.
//
// Reproducible: versions pinned in package.json and package-lock.json; `npm ci` then `npm run build` rewrites the
// same bytes. Nothing is downloaded when the pipeline runs or in CI: the built file is committed.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// scatter is part of plotly.js's core (always registered); listed so the list says everything a page may draw.
const TRACES = ['bar', 'heatmap', 'scatter'];

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const plotlyRoot = dirname(require.resolve('plotly.js/package.json'));
const version = JSON.parse(readFileSync(join(plotlyRoot, 'package.json'), 'utf8')).version;
const esbuildVersion = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
const outDir = join(here, '..', '..', 'pipelines', 'lib', 'reports', 'vendor');
const outFile = join(outDir, 'plotly-ptsm.min.js');

const registered = TRACES.filter((t) => t !== 'scatter');
const entry = [
  "'use strict';",
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${registered.map((t) => `require('plotly.js/lib/${t}')`).join(', ')}]);`,
  'module.exports = Plotly;',
].join('\n');

const banner = [
  '/**',
  `* plotly.js v${version} (partial bundle of the PTSM pages, minified: only the trace types below)`,
  `* traces: ${[...TRACES].sort().join(', ')}`,
  `* built by tools/plotly-bundle/build.mjs with esbuild ${esbuildVersion}`,
  '* Copyright 2012-2026, Plotly, Inc.',
  '* All rights reserved.',
  '* Licensed under the MIT license (plotly.js-LICENSE.txt)',
  '*/',
].join('\n');

// plotly.js's registry requires maplibre-gl's stylesheet when a map trace registers (its own build inlines it with a
// plugin). No map trace is in this bundle, so that branch never runs: the stylesheet resolves to an empty module
// instead of 60 kB of dead CSS.
const noStylesheets = {
  name: 'no-stylesheets',
  setup(b) {
    b.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: 'no-stylesheets' }));
    b.onLoad({ filter: /.*/, namespace: 'no-stylesheets' }, () => ({ contents: '', loader: 'js' }));
  },
};

// The options of plotly.js's own esbuild-config.js, minus the plugins only its WebGL and map traces need.
const result = await build({
  stdin: { contents: entry, resolveDir: here, sourcefile: 'ptsm-plotly-entry.js' },
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  sourcemap: false,
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  target: 'es2016',
  legalComments: 'eof',
  banner: { js: banner },
  footer: { js: 'window.Plotly = Plotly;' },
  write: false,
  plugins: [noStylesheets],
  logLevel: 'warning',
});

mkdirSync(outDir, { recursive: true });
writeFileSync(outFile, result.outputFiles[0].text);
copyFileSync(join(plotlyRoot, 'LICENSE'), join(outDir, 'plotly.js-LICENSE.txt'));
console.log(`${outFile}: ${result.outputFiles[0].contents.length} bytes, traces ${TRACES.join(', ')}`);
