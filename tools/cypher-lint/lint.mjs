#!/usr/bin/env node
/**
 * Lints Cypher statements with Neo4j's own linter (@neo4j-cypher/language-support, `lintCypherQuery`), as
 * Neo4j 5 Cypher (`CYPHER 5`). The talent graph's tests run on ArcadeDB; this is what keeps the same
 * statements valid for a Neo4j 5 server.
 *
 *   echo '[{"query": "UNWIND $rows AS r RETURN r", "parameters": {"rows": [1]}}]' | node lint.mjs
 *
 * stdin: a JSON list; each item is `{"query": "...", "parameters": {name: sample value}}`, or a bare string.
 *   `parameters` are the names the statement is sent with (values are samples, only shown); a `$name` that is
 *   not among them is an error, as on a real server. `parameters: null` (or absent, or a bare string) means
 *   "not known": every `$name` in the statement is taken as given (for statement constants linted without a
 *   call site).
 * stdout: JSON `{"linter": {...}, "results": [{"query", "diagnostics": [{severity, fails, message, offsets:
 *   {start, end}, text}]}]}`, one result per item, in order. `offsets` are character offsets into `query`.
 * exit: 0 when no diagnostic fails, 1 when one does, 2 when the input is not understood or the linter itself
 *   does not work (see the canaries below).
 *
 * What fails, and why:
 * - every error: syntax errors, semantic errors of Neo4j's own front end (an undefined variable, a directed-only
 *   CREATE, `exists(n.prop)`, `ON ... ASSERT` constraints...), a parameter the statement is not sent with, a
 *   function or procedure a plain Neo4j 5 does not have, and more than one statement in one query string (the
 *   driver sends a string as one statement).
 * - every warning, too. No label, relationship type or property schema is given to the linter, so its
 *   "label X is not present in the database" warnings never appear: the projection's MERGEs create the labels,
 *   and a fixed list here would only be noise to keep in step. What is left are the warnings of Neo4j 5's own
 *   semantic analysis - deprecations (`id()`, `CALL { }` without a scope clause, ...) and performance notices
 *   (a cartesian product, an unbounded shortestPath) - and deprecated functions of the registry: each is
 *   something to change in a statement meant for Neo4j 5, so none is let through.
 * - information and hints are reported but do not fail (this version emits none).
 *
 * Functions and procedures: the registry is the package's own recorded Neo4j 5 schema (`testData.mockSchema`,
 * 'CYPHER 5') cut to a plain server without plugins: built-in functions only (no APOC, no GDS) and the `db.*`,
 * `dbms.*`, `tx.*`, `cdc.*` procedures. Without a registry the linter would accept any function name
 * (`foo(n)`); with it, an ArcadeDB-only or plugin function is an error.
 *
 * Version: 2.0.0-next.20, pinned exactly in package.json/package-lock.json. It is the newest release whose
 * declared engines (node >= 18.18.2) include the Node.js 20 of this project's machines: next.26 wants 22.15,
 * next.36 and later 24.11.1, and npm only warns about that before a package fails at run time.
 *
 * The linter swallows exceptions in its semantic analysis, and a broken install could lint nothing; so every run
 * first lints canaries that must fail (a syntax error and an undefined variable) and exits 2 if they do not.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const PACKAGE = '@neo4j-cypher/language-support';
const LANGUAGE = 'CYPHER 5';
const require = createRequire(import.meta.url);

function die(message) {
  process.stderr.write(`cypher-lint: ${message}\n`);
  process.exit(2);
}

let ls;
let version;
try {
  // This version's ESM build imports its own files without extensions, which Node cannot load: use the CJS one.
  ls = require(PACKAGE);
  const entry = require.resolve(PACKAGE); // .../language-support/dist/cjs/index.cjs
  version = JSON.parse(readFileSync(new URL('../../package.json', pathToFileURL(entry)), 'utf8')).version;
} catch (err) {
  die(`${PACKAGE} is not installed (run: npm ci --prefix tools/cypher-lint): ${err.message}`);
}
const { lintCypherQuery, parseParameters, parseStatementsStrs, testData } = ls;
if (typeof lintCypherQuery !== 'function' || typeof parseParameters !== 'function') {
  die(`${PACKAGE} ${version} does not export lintCypherQuery/parseParameters`);
}

// A plain Neo4j 5 (no plugins): its built-in functions and its own procedures.
const recorded = testData?.mockSchema ?? die(`${PACKAGE} ${version} has no testData.mockSchema`);
const PLUGINS = /^(apoc|gds)\./;
const functions = Object.fromEntries(
  Object.entries(recorded.functions?.[LANGUAGE] ?? {}).filter(([, f]) => f.isBuiltIn && !PLUGINS.test(f.name)));
const procedures = Object.fromEntries(
  Object.entries(recorded.procedures?.[LANGUAGE] ?? {}).filter(([name]) => !PLUGINS.test(name)));
if (!functions.count || !functions.labels || !procedures['db.labels']) {
  die(`${PACKAGE} ${version}: the recorded Neo4j 5 functions/procedures are not where this script looks`);
}

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const FAILING = new Set(['error', 'warning']);

function lint(query, parameters) {
  const params = parameters ?? Object.fromEntries(parseParameters(query, false).map((name) => [name, null]));
  const schema = {
    parameters: params,
    functions: { [LANGUAGE]: functions },
    procedures: { [LANGUAGE]: procedures },
    defaultLanguage: LANGUAGE,
  };
  const diagnostics = lintCypherQuery(query, schema, false).map((d) => {
    const severity = SEVERITY[d.severity] ?? `severity ${d.severity}`;
    const { start, end } = d.offsets ?? { start: 0, end: query.length };
    return { severity, fails: FAILING.has(severity), message: d.message, offsets: { start, end },
             text: query.slice(start, end) };
  });
  const statements = parseStatementsStrs(query).filter((s) => s.replace(/;\s*$/, '').trim().length > 0);
  if (statements.length > 1) {
    diagnostics.push({ severity: 'error', fails: true, offsets: { start: 0, end: query.length }, text: '',
                       message: `${statements.length} statements in one query; the driver sends one` });
  }
  if (query.trim().length === 0) {
    diagnostics.push({ severity: 'error', fails: true, message: 'empty query', offsets: { start: 0, end: 0 },
                       text: '' });
  }
  return diagnostics;
}

// Canaries: if these pass, the linter is broken, not the statements fine.
for (const canary of ['MATCH (n RETURN n', 'RETURN m']) {
  if (!lint(canary, {}).some((d) => d.severity === 'error')) {
    die(`${PACKAGE} ${version} reports nothing for ${JSON.stringify(canary)}: the linter is not working`);
  }
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
let items;
try {
  items = JSON.parse(input);
} catch (err) {
  die(`stdin is not JSON: ${err.message}`);
}
if (!Array.isArray(items)) die('stdin must be a JSON list of {"query", "parameters"}');

const results = items.map((item, i) => {
  const { query, parameters } = typeof item === 'string' ? { query: item, parameters: null } : (item ?? {});
  if (typeof query !== 'string') die(`item ${i} has no "query" string`);
  if (parameters != null && (typeof parameters !== 'object' || Array.isArray(parameters))) {
    die(`item ${i}: "parameters" must be an object of name -> sample value, or null`);
  }
  return { query, diagnostics: lint(query, parameters) };
});
process.stdout.write(`${JSON.stringify({
  linter: { package: PACKAGE, version, language: LANGUAGE, fails_on: [...FAILING] },
  results,
})}\n`);
process.exitCode = results.some((r) => r.diagnostics.some((d) => d.fails)) ? 1 : 0;
