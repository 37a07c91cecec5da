#!/usr/bin/env node
// Fails when a function in the packages' source (tests excepted) has a body over MAX_LINES lines:
// DEVELOPERS.md's "functions short enough to read at once (~120 lines is a smell)", kept true by
// `npm test`. Usage: node scripts/check-function-length.mjs [--max N]
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const maxIndex = process.argv.indexOf('--max');
const MAX_LINES = maxIndex === -1 ? 120 : Number(process.argv[maxIndex + 1]);
const root = new URL('..', import.meta.url).pathname;
const found = [];

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
    } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) {
      check(path);
    }
  }
}

function check(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.body.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      if (last - first - 1 > MAX_LINES) {
        const name = node.name === undefined ? '(anonymous)' : node.name.getText(source);
        found.push(`${relative(root, file)}:${first + 1} ${name}: ${last - first - 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'src'));
if (found.length > 0) {
  console.error(`check-function-length: ${found.length} function(s) over ${MAX_LINES} lines; split them:`);
  for (const line of found) console.error(`  ${line}`);
  process.exit(1);
}
