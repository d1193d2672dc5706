// Where each route is declared, read from the source with the TypeScript compiler: every
// `.get/.post/.put/.patch/.delete/.all/.ws(path, …)` call on a chain that starts at `new Elysia({ prefix? })`,
// in any non-test file under src/. Paths and prefixes may be literals or constants the compiler knows the
// value of (`AGENT_PATHS.stream`, declared `as const`); anything else is an error naming the call, so a
// route can never be filed under the wrong plugin silently.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROUTE_METHODS: Record<string, string> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  all: 'ALL',
  head: 'HEAD',
  options: 'OPTIONS',
  ws: 'WS',
};

/** The key a route is known by: "GET /v1/clusters/:id". */
export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !relative(root, path).split('/').includes('testing'));
}

/** The value of a string-valued expression, when the compiler knows it. */
function stringValue(checker: ts.TypeChecker, e: ts.Expression): string | null {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  const type = checker.getTypeAtLocation(e);
  return type.isStringLiteral() ? type.value : null;
}

/** The `new Elysia(…)` a method chain starts from, if it starts from one. */
function chainRoot(e: ts.Expression): ts.NewExpression | null {
  let node: ts.Expression = e;
  for (;;) {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) node = node.expression.expression;
    else if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) node = node.expression;
    else break;
  }
  return ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Elysia' ? node : null;
}

/** The `prefix` option of `new Elysia({ prefix })`, '' when there is none. */
function prefixOf(checker: ts.TypeChecker, root: ts.NewExpression, where: () => string): string {
  const options = root.arguments?.[0];
  if (!options || !ts.isObjectLiteralExpression(options)) return '';
  for (const prop of options.properties) {
    if (ts.isPropertyAssignment(prop) && prop.name.getText() === 'prefix') {
      const value = stringValue(checker, prop.initializer);
      if (value === null) throw new Error(`${where()}: the Elysia prefix is not a constant string`);
      return value;
    }
  }
  return '';
}

/** "METHOD path" → the file (relative to `root`) that declares the route, for every route under src/. */
export function findRouteSources(root: string): Map<string, string> {
  const files = sourceFiles(root, 'src');
  const program = ts.createProgram(files, {
    noEmit: true,
    noResolve: true,
    noLib: true,
    skipLibCheck: true,
    types: [],
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: '@kitajs/html',
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    target: ts.ScriptTarget.ESNext,
    strict: true,
  });
  const checker = program.getTypeChecker();
  const found = new Map<string, string>();
  for (const path of files) {
    const file = program.getSourceFile(path);
    if (!file) continue;
    const rel = relative(root, path);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ROUTE_METHODS[node.expression.name.text] &&
        node.arguments.length > 0
      ) {
        const root = chainRoot(node.expression.expression);
        if (root) {
          const where = (): string => `${rel}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
          const path = stringValue(checker, node.arguments[0]);
          if (path === null) throw new Error(`${where()}: the route path is not a constant string`);
          const key = routeKey(ROUTE_METHODS[node.expression.name.text], prefixOf(checker, root, where) + path);
          const before = found.get(key);
          if (before && before !== rel) throw new Error(`${key} is declared in both ${before} and ${rel}`);
          found.set(key, rel);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}
