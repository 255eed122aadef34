// How the extension starts `aiblint lsp`, and where it applies. No `vscode`
// import here, so the choice is unit-tested in plain Node (test/server.test.js).
import * as path from "node:path";

export interface Settings {
  /** aiblint.path: the aiblint executable. */
  path: string;
  /** aiblint.interpreter: a Python interpreter with aiblint installed. */
  interpreter: string;
}

export interface Executable {
  command: string;
  args: string[];
}

/** The languages the client sends to the server (VS Code's language ids). */
export const LANGUAGES = ["json", "jsonc", "bicep", "terraform", "shellscript", "powershell"];

/** Files that may hold an image template, searched when aiblint.enable is "auto". */
export const TEMPLATE_GLOB = "**/*.{json,jsonc,bicep,tf}";

/** An image template's resource type, in ARM JSON, Bicep and Terraform (azapi) alike. */
export const TEMPLATE_MARKER = /Microsoft\.VirtualMachineImages\/imageTemplates/i;

/**
 * The command that runs the language server, in this order: the configured
 * executable; the configured interpreter (`python -m aiblint lsp`); the
 * interpreter of a workspace virtual environment (.venv, venv) that has aiblint
 * installed; else `aiblint` on PATH.
 */
export function serverCommand(
  settings: Settings,
  folders: readonly string[],
  exists: (file: string) => boolean,
  platform: string = process.platform,
): Executable {
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

/** Whether a file's text holds an image template (to decide whether to start). */
export function holdsImageTemplate(text: string): boolean {
  return TEMPLATE_MARKER.test(text);
}
