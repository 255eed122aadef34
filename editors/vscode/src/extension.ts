// The VS Code client of `aiblint lsp`: diagnostics and quick fixes come from
// the server; this file only decides whether and how to start it.
import { existsSync } from "node:fs";
import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { holdsImageTemplate, LANGUAGES, serverCommand, TEMPLATE_GLOB } from "./server";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("aiblint");
  const enable = config.get<string>("enable", "auto");
  if (enable === "never" || (enable === "auto" && !(await workspaceHoldsTemplates()))) {
    return;
  }
  const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
  const settings = { path: config.get<string>("path", ""), interpreter: config.get<string>("interpreter", "") };
  const executable = serverCommand(settings, folders, existsSync);
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: "file", language })),
  };
  client = new LanguageClient("aiblint", "aiblint", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/** Whether a file the workspace holds names the image template resource type. */
async function workspaceHoldsTemplates(): Promise<boolean> {
  const files = await vscode.workspace.findFiles(TEMPLATE_GLOB, "**/node_modules/**", 500);
  const decoder = new TextDecoder();
  for (const file of files) {
    const bytes = await vscode.workspace.fs.readFile(file);
    if (bytes.byteLength <= 4_000_000 && holdsImageTemplate(decoder.decode(bytes))) {
      return true;
    }
  }
  return false;
}
