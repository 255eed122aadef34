"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);
var server_exports = {};
__export(server_exports, {
  LANGUAGES: () => LANGUAGES,
  TEMPLATE_GLOB: () => TEMPLATE_GLOB,
  TEMPLATE_MARKER: () => TEMPLATE_MARKER,
  holdsImageTemplate: () => holdsImageTemplate,
  serverCommand: () => serverCommand
});
module.exports = __toCommonJS(server_exports);
var path = __toESM(require("node:path"));
const LANGUAGES = ["json", "jsonc", "bicep", "terraform", "shellscript", "powershell"];
const TEMPLATE_GLOB = "**/*.{json,jsonc,bicep,tf}";
const TEMPLATE_MARKER = /Microsoft\.VirtualMachineImages\/imageTemplates/i;
function serverCommand(settings, folders, exists, platform = process.platform) {
  if (settings.path.trim()) {
    return { command: settings.path.trim(), args: ["lsp"] };
  }
  if (settings.interpreter.trim()) {
    return { command: settings.interpreter.trim(), args: ["-m", "aiblint", "lsp"] };
  }
  const windows = platform === "win32";
  const paths = windows ? path.win32 : path.posix;
  for (const folder of folders) {
    for (const venv of [".venv", "venv"]) {
      const bin = windows ? paths.join(folder, venv, "Scripts") : paths.join(folder, venv, "bin");
      if (exists(paths.join(bin, windows ? "aiblint.exe" : "aiblint"))) {
        return { command: paths.join(bin, windows ? "python.exe" : "python"), args: ["-m", "aiblint", "lsp"] };
      }
    }
  }
  return { command: windows ? "aiblint.exe" : "aiblint", args: ["lsp"] };
}
function holdsImageTemplate(text) {
  return TEMPLATE_MARKER.test(text);
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  LANGUAGES,
  TEMPLATE_GLOB,
  TEMPLATE_MARKER,
  holdsImageTemplate,
  serverCommand
});
