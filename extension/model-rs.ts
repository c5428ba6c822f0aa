// Between a crate's graph and its code: a graph node opens its layer function in the crate's model file
// (stylus-ml.json `layers[].lines`, `files.modelRs`), and a line of that file names the node whose
// function contains it (the command "Reveal Layer in Model Graph", and the language server's CodeLens).
import path from 'node:path';
import * as vscode from 'vscode';
import type { Manifest } from '../core/manifest/schema';

/** The layer whose function spans `line` (1-based) of the model file, or null. */
export function layerAtLine(manifest: Manifest, line: number): Manifest['layers'][number] | null {
  return manifest.layers.find((l) => l.lines !== null && l.lines[0] <= line && line <= l.lines[1]) ?? null;
}

/** The crate's model file (absolute). */
export function modelRsOf(crateDir: string, manifest: Manifest): string {
  return path.join(crateDir, manifest.files.modelRs);
}

/** Opens the model file at the first layer function of the ONNX node `name` (a node folded into another
 *  layer has none: then it says so). */
export async function openLayerFunction(crateDir: string, manifest: Manifest, name: string): Promise<void> {
  const layer = manifest.layers.find((l) => l.name === name && l.lines !== null);
  if (!layer?.lines) {
    void vscode.window.showInformationMessage(`The node ${name} has no function of its own in ${manifest.files.modelRs}: it was folded into a neighbouring layer or needs no code.`);
    return;
  }
  const [first, last] = layer.lines;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(modelRsOf(crateDir, manifest)));
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  const range = new vscode.Range(first - 1, 0, last - 1, 0);
  editor.selection = new vscode.Selection(first - 1, 0, first - 1, 0);
  editor.revealRange(range, vscode.TextEditorRevealType.AtTop);
}
