// Lists functions longer than a limit (default 150 lines) in non-test source: `node --import tsx scripts/long-functions.ts [limit]`.
// Tests, generated code and the demo plan are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './subgraphs.ts';

const limit = Number(process.argv[2] ?? 150);
const roots = ['packages', 'subgraphs', 'gateway/src', 'platform', 'scripts', 'dashboard/src', 'bench', 'soak', 'chaos'];
const skip = (p: string) => /node_modules|generated|\/test\/|\.spec\.ts$|\.test\.ts$|\/dist\/|packages\/demo\/src\/plan\.ts$/.test(p);

function* files(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) yield* files(p);
    else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

const found: { lines: number; where: string; name: string }[] = [];
for (const root of roots) {
  for (const file of files(join(ROOT, root))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > limit) {
          const name = (node as ts.FunctionDeclaration).name?.getText(sf) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : ts.isPropertyAssignment(node.parent) ? node.parent.name.getText(sf) : '<anonymous>');
          found.push({ lines, where: `${relative(ROOT, file)}:${start + 1}`, name });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found) console.log(`${String(f.lines).padStart(5)}  ${f.name}  ${f.where}`);
if (found.length === 0) console.log(`no function over ${limit} lines`);
