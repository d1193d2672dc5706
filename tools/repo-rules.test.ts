// Checks two rules over every production source file (src/, agent/, sim/, views/, static/, bench/ less tests
// and testing helpers): no file over MAX_LINES lines, and no module-level mutable state outside src/server.ts
// and the programs' entry points.
//
// Module-level mutable state, as parsed by the TypeScript compiler (declarations at the top level of a module):
//   1. any `let` or `var`;
//   2. a `const` whose value is made by `new` or by a call to a function named `create…` (`createHashGate(…)`,
//      `ts.createProgram(…)`, `crypto.createHash(…)`), or holds such a value as a property or element of the object
//      or array literal it is (`{ hub: createHub() }`): what a constructor or a factory returns is taken to hold
//      state (a cache, a gate, a hub, a connection), with two exceptions:
//        - immutable by declaration: the const is declared `ReadonlyMap`, `ReadonlySet` or `ReadonlyArray`, types
//          with no method that changes them (not `Readonly<Map<…>>`: its `set` still works; and a weak collection
//          or WeakRef is state whatever its declared type);
//        - instances with nothing a caller can change: `new` of RegExp, URL, TextEncoder, TextDecoder or an Intl
//          formatter;
//      a temporary consumed while computing the value (`[...new Set(xs)]`, `new Date().getTime()`) is not held;
//   3. a `const` holding an array or object literal that the same file mutates: assigns through it
//      (`x.a = …`, `x[i] += …`, `x.a.b++`, `delete x.a`), calls a mutating method on it or on what it holds
//      (`x.push(…)`, `x.list.splice(…)`, `x.set(…)`, …) or passes it to `Object.assign`/`Object.defineProperty`.
// Names are resolved with the compiler's binder, so a local that shadows the constant is not taken for it.
// Not caught: a literal handed to another module that mutates it; state behind a call not named `create…`
// (`startJob()`); the `lastIndex` of a /g or /y RegExp (matchAll and replace do not carry it between calls); a
// TextDecoder decoding with `{ stream: true }`.
// Per-replica state belongs in src/server.ts, which creates it and passes it down through deps. An entry point
// (a file no other file imports: src/main.ts, src/demo/main.ts, sim/main.ts, the bench scripts) is exempt too:
// its top level is the program's main(), run once per process, and no importer can share what it holds.
import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dir, '..');
const PRODUCTION_DIRS = ['src', 'agent', 'sim', 'views', 'static', 'bench'];
const MAX_LINES = 450;
/** The one module allowed to hold per-replica state: it creates it and hands it to everything else. */
const STATE_OWNERS = ['src/server.ts'];

const MUTATING_METHODS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin', 'set', 'add', 'delete', 'clear']);

/** Production source files, relative to the repo root: not tests, not testing helpers, not fixtures. */
function productionFiles(): string[] {
  const out: string[] = [];
  for (const dir of PRODUCTION_DIRS) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|tsx|js)$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
      const rel = relative(ROOT, join(entry.parentPath, entry.name));
      const parts = rel.split('/');
      if (/\.test\.(ts|tsx|js)$/.test(entry.name) || parts.includes('testing') || parts.includes('testdata') || entry.name === 'testing.ts') continue;
      out.push(rel);
    }
  }
  return out.sort();
}

function unwrap(e: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isTypeAssertionExpression(e)
  ) {
    e = e.expression;
  }
  return e;
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** Whether this use of a name changes what the name holds (see rule 3 above). */
function mutates(id: ts.Identifier): boolean {
  const call = id.parent;
  if (ts.isCallExpression(call) && call.arguments[0] === id) {
    const callee = call.expression;
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Object') {
      if (['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf'].includes(callee.name.text)) return true;
    }
  }
  // Climb x → x.a → x.a[b] …: a mutating method called anywhere on the chain, or an assignment to its end.
  let node: ts.Expression = id;
  while ((ts.isPropertyAccessExpression(node.parent) || ts.isElementAccessExpression(node.parent)) && node.parent.expression === node) {
    const access: ts.PropertyAccessExpression | ts.ElementAccessExpression = node.parent;
    if (
      ts.isPropertyAccessExpression(access) &&
      MUTATING_METHODS.has(access.name.text) &&
      ts.isCallExpression(access.parent) &&
      access.parent.expression === access
    )
      return true;
    node = access;
  }
  if (node === id) return false; // the bare name: reading it, or (for a const) a compile error anyway
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node && isAssignmentOperator(parent.operatorToken.kind)) return true;
  if (
    (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) &&
    (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken)
  )
    return true;
  if (ts.isDeleteExpression(parent)) return true;
  return false;
}

function namesUsed(file: ts.SourceFile, checker: ts.TypeChecker, symbol: ts.Symbol): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.text === symbol.name && checker.getSymbolAtLocation(n) === symbol) found.push(n);
    ts.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** Classes whose instances hold nothing a caller can change (rule 2). */
const STATELESS_CLASSES = new Set([
  'RegExp',
  'URL',
  'TextEncoder',
  'TextDecoder',
  'Intl.Collator',
  'Intl.DateTimeFormat',
  'Intl.ListFormat',
  'Intl.NumberFormat',
  'Intl.PluralRules',
  'Intl.RelativeTimeFormat',
  'Intl.Segmenter',
]);
const WEAK_CLASSES = new Set(['WeakMap', 'WeakSet', 'WeakRef']);
/** Declared types that offer no way to change the value (rule 2). */
const READONLY_TYPES = new Set(['ReadonlyMap', 'ReadonlySet', 'ReadonlyArray']);

/** A factory by name: `create` alone or followed by a capital (`createHub`), not `createdAt`. */
function isFactoryCall(e: ts.Expression): e is ts.CallExpression {
  if (!ts.isCallExpression(e)) return false;
  const callee = e.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  return /^create(?![a-z])/.test(name);
}

/**
 * What in a module-level const's value was made by `new` or a `create…` call and holds state (rule 2), as
 * "new X" / "createX(…)": the value itself, then the properties and elements of the literal it is, recursively.
 * `declared` is the const's declared type name (`ReadonlyMap`, …), which speaks for the value itself only.
 */
function heldState(e: ts.Expression, file: ts.SourceFile, declared: string): string[] {
  const value = unwrap(e);
  if (ts.isNewExpression(value)) {
    const cls = value.expression.getText(file);
    if (WEAK_CLASSES.has(cls)) return [`new ${cls}`];
    if (STATELESS_CLASSES.has(cls) || READONLY_TYPES.has(declared)) return [];
    return [`new ${cls}`];
  }
  if (isFactoryCall(value)) return READONLY_TYPES.has(declared) ? [] : [`${value.expression.getText(file)}(…)`];
  if (ts.isArrayLiteralExpression(value)) return value.elements.flatMap((el) => (ts.isSpreadElement(el) ? [] : heldState(el, file, '')));
  if (ts.isObjectLiteralExpression(value)) {
    return value.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? heldState(p.initializer, file, '') : []));
  }
  return [];
}

/** The module-level mutable state of one file, as "file:line name (why)". */
function mutableState(file: ts.SourceFile, checker: ts.TypeChecker, rel: string): string[] {
  const found: string[] = [];
  const where = (n: ts.Node): string => `${rel}:${file.getLineAndCharacterOfPosition(n.getStart(file)).line + 1}`;
  for (const stmt of file.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    if (stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    const isConst = (stmt.declarationList.flags & ts.NodeFlags.Const) !== 0;
    for (const decl of stmt.declarationList.declarations) {
      const name = decl.name.getText(file);
      if (!isConst) {
        found.push(`${where(decl)} ${name} (top-level ${stmt.declarationList.flags & ts.NodeFlags.Let ? 'let' : 'var'})`);
        continue;
      }
      if (!decl.initializer) continue;
      const init = unwrap(decl.initializer);
      const declared = decl.type && ts.isTypeReferenceNode(decl.type) ? decl.type.typeName.getText(file) : '';
      const held = heldState(init, file, declared);
      if (held.length > 0) {
        found.push(`${where(decl)} ${name} (${held.join(', ')} at module level)`);
        continue;
      }
      if ((ts.isArrayLiteralExpression(init) || ts.isObjectLiteralExpression(init)) && ts.isIdentifier(decl.name)) {
        const symbol = checker.getSymbolAtLocation(decl.name);
        const change = symbol ? namesUsed(file, checker, symbol).find(mutates) : undefined;
        if (change)
          found.push(
            `${where(decl)} ${name} (${ts.isArrayLiteralExpression(init) ? 'array' : 'object'} mutated at line ${file.getLineAndCharacterOfPosition(change.getStart(file)).line + 1})`,
          );
      }
    }
  }
  return found;
}

/** Repo-relative paths of the files some other file imports (statically, dynamically or by re-export). */
function importedFiles(): Set<string> {
  const imported = new Set<string>();
  for (const dir of [...PRODUCTION_DIRS, 'tools', 'deploy']) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|tsx|js)$/.test(entry.name)) continue;
      const from = entry.parentPath;
      for (const ref of ts.preProcessFile(readFileSync(join(from, entry.name), 'utf8'), true, true).importedFiles) {
        if (!ref.fileName.startsWith('.')) continue;
        const target = relative(ROOT, resolve(from, ref.fileName)).replace(/\.(ts|tsx|js)$/, '');
        for (const candidate of [`${target}.ts`, `${target}.tsx`, `${target}.js`, `${target}/index.ts`]) imported.add(candidate);
      }
    }
  }
  return imported;
}

const files = productionFiles();

test(`no production source file is over ${MAX_LINES} lines`, () => {
  const long = files.map((rel) => ({ rel, lines: readFileSync(join(ROOT, rel), 'utf8').split('\n').length - 1 })).filter((f) => f.lines > MAX_LINES);
  expect(long.map((f) => `${f.rel} (${f.lines} lines)`)).toEqual([]);
});

/** One program over the files alone (no imports, no lib): the binder is all that name resolution needs. */
const PROGRAM_OPTIONS: ts.CompilerOptions = { noResolve: true, noLib: true, types: [], jsx: ts.JsxEmit.Preserve, allowJs: true, noEmit: true };

test('no module-level mutable state outside src/server.ts and entry points', () => {
  const imported = importedFiles();
  const roots = files.filter((rel) => !STATE_OWNERS.includes(rel) && imported.has(rel)).map((rel) => join(ROOT, rel));
  const program = ts.createProgram(roots, PROGRAM_OPTIONS);
  const checker = program.getTypeChecker();
  const found = roots.flatMap((path) => mutableState(program.getSourceFile(path)!, checker, relative(ROOT, path)));
  expect(found).toEqual([]);
});

test('the state rule catches factories and constructors, and lets constants by declaration through', () => {
  const path = join(ROOT, 'sample.ts');
  const source = [
    'export const passwordHashing: HashGate = createHashGate({ concurrency: 4, queue: 32 });',
    'const hub = new StreamHub({ limits });',
    'const cache: Map<string, number> = new Map();',
    'const seen: ReadonlySet<object> = new WeakSet();',
    'const replica = { signals: createCommandSignals(bus), limit: 3, parts: [new Parts()] };',
    'const digest = crypto.createHash("sha256");',
    'const INVALID = new HttpError(401, "invalid", "no");',
    'const trap: Readonly<Map<string, number>> = new Map();',
    'const KINDS: ReadonlySet<string> = new Set(["Deployment"]);',
    'const INDEX: ReadonlyMap<string, number> = createIndex(["a"]);',
    'const PATTERN = new RegExp("^Init:[0-9]+$");',
    'const encoder = new TextEncoder();',
    'const LINKS = { home: new URL("https://example.com/"), max: 3 };',
    'const unique = [...new Set(["a", "a"])];',
    'const epoch = new Date(0).getTime();',
    'const created = createdAtOf(row);',
    'function build() { return createHub(); }',
  ].join('\n');
  const host = ts.createCompilerHost(PROGRAM_OPTIONS);
  const readFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === path ? ts.createSourceFile(name, source, language) : readFile(name, language, ...rest));
  const program = ts.createProgram([path], PROGRAM_OPTIONS, host);
  expect(mutableState(program.getSourceFile(path)!, program.getTypeChecker(), 'sample.ts')).toEqual([
    'sample.ts:1 passwordHashing (createHashGate(…) at module level)',
    'sample.ts:2 hub (new StreamHub at module level)',
    'sample.ts:3 cache (new Map at module level)',
    'sample.ts:4 seen (new WeakSet at module level)',
    'sample.ts:5 replica (createCommandSignals(…), new Parts at module level)',
    'sample.ts:6 digest (crypto.createHash(…) at module level)',
    'sample.ts:7 INVALID (new HttpError at module level)',
    'sample.ts:8 trap (new Map at module level)',
  ]);
});
