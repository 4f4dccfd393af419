import { readFileSync } from "node:fs";
import { cursorContext } from "../../server/completion/cursorContext.js";
import { decideMultiline } from "../../server/completion/multiline/decideMultiline.js";
import type { FilterContext } from "../../server/completion/postprocess/types.js";
import { syntaxWindow, type SyntaxWindow } from "../../server/completion/verify/syntaxWindow.js";
import { languageOf } from "../../server/syntax/index.js";
import { Cursor } from "../../server/text/Cursor.js";

// Real raw outputs of ../shared/models/dhi-fim-4m.gguf, captured by bench/capture-completions.mjs.

export interface ModelOutputRecord {
  id: string;
  source: string;
  path: string;
  text: string;
  offset: number;
  /** The code that was removed to make the hole (real code, not model output). */
  expected: string;
  /** What the engine returned (greedy, 64 tokens, no early stop). */
  raw: string;
  stopReason: string;
  /** The model continued past end-of-text with special tokens printed (every third record). */
  rawSpecial?: string;
}

const data = JSON.parse(readFileSync(new URL("./fixtures/model-outputs.json", import.meta.url), "utf8")) as { records: ModelOutputRecord[] };

export const records: readonly ModelOutputRecord[] = data.records;

export function record(id: string): ModelOutputRecord {
  const found = records.find((r) => r.id === id);
  if (!found) throw new Error(`no captured model output ${id}; re-run bench/capture-completions.mjs`);
  return found;
}

export function windowFor(r: ModelOutputRecord): SyntaxWindow {
  const language = languageOf(r.path);
  if (!language) throw new Error(`no grammar for ${r.path}`);
  const window = syntaxWindow(Cursor.at(r.text, r.offset), language);
  if (!window) throw new Error(`no syntax window at ${r.id}`);
  return window;
}

/** The filter context the service builds for this record, with the service's own multi-line decision. */
export function contextFor(r: ModelOutputRecord, multiline?: boolean): FilterContext {
  const cursor = Cursor.at(r.text, r.offset);
  const decided = multiline ?? decideMultiline("auto", cursor.linePrefix, cursor.lineSuffix, windowFor(r)).multiline;
  return cursorContext(cursor, decided, languageOf(r.path));
}
