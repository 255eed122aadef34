// Unit tests of the server options (node --test; built to out/server.js first).
const assert = require("node:assert/strict");
const { test } = require("node:test");
const { serverCommand, holdsImageTemplate, LANGUAGES } = require("../out/server.js");

const none = () => false;
const empty = { path: "", interpreter: "" };

test("a configured executable wins", () => {
  const settings = { path: " /opt/aiblint/bin/aiblint ", interpreter: "/usr/bin/python3" };
  assert.deepEqual(serverCommand(settings, ["/w"], () => true, "linux"), { command: "/opt/aiblint/bin/aiblint", args: ["lsp"] });
});

test("a configured interpreter runs the module", () => {
  const settings = { path: "", interpreter: "/usr/bin/python3" };
  assert.deepEqual(serverCommand(settings, [], none, "linux"), { command: "/usr/bin/python3", args: ["-m", "aiblint", "lsp"] });
});

test("a workspace virtual environment with aiblint is discovered", () => {
  const present = new Set(["/w2/venv/bin/aiblint"]);
  const found = serverCommand(empty, ["/w1", "/w2"], (file) => present.has(file), "linux");
  assert.deepEqual(found, { command: "/w2/venv/bin/python", args: ["-m", "aiblint", "lsp"] });
});

test("a virtual environment without aiblint is not used", () => {
  const present = new Set(["/w/.venv/bin/python"]);
  assert.deepEqual(serverCommand(empty, ["/w"], (file) => present.has(file), "linux"), { command: "aiblint", args: ["lsp"] });
});

test("Windows layout", () => {
  const present = new Set(["C:\\w\\.venv\\Scripts\\aiblint.exe"]);
  const found = serverCommand(empty, ["C:\\w"], (file) => present.has(file), "win32");
  assert.deepEqual(found, { command: "C:\\w\\.venv\\Scripts\\python.exe", args: ["-m", "aiblint", "lsp"] });
  assert.deepEqual(serverCommand(empty, ["C:\\x"], none, "win32"), { command: "aiblint.exe", args: ["lsp"] });
});

test("activates on templates and the scripts they run", () => {
  assert.deepEqual(LANGUAGES, ["json", "jsonc", "bicep", "terraform", "shellscript", "powershell"]);
  assert.ok(holdsImageTemplate('{"type": "Microsoft.VirtualMachineImages/imageTemplates"}'));
  assert.ok(holdsImageTemplate("resource t 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {"));
  assert.ok(!holdsImageTemplate('{"name": "web", "private": true}'));
});
