import type { InferenceEngine } from "../../inference/types.js";
import { isAbortError } from "../../util/abort.js";
import { DATA_RULES, dataBlock } from "../prompts/dataBlock.js";
import type { DirectoryInfo } from "./collectModules.js";

/** What the folder holds, from structure alone: used without a model and when its answer is unusable. */
export function structuralSummary(d: DirectoryInfo): string {
  const names = d.files.map((f) => f.slice(f.lastIndexOf("/") + 1));
  const symbols = d.symbols.slice(0, 8);
  const parts = [`${d.files.length} ${d.languages.join("/")} file${d.files.length === 1 ? "" : "s"}`];
  if (d.tests > 0) parts.push(`${d.tests} test file${d.tests === 1 ? "" : "s"}`);
  if (symbols.length > 0) parts.push(`defines ${symbols.join(", ")}${d.symbols.length > symbols.length ? ", …" : ""}`);
  else parts.push(`files: ${names.slice(0, 6).join(", ")}${names.length > 6 ? ", …" : ""}`);
  return parts.join("; ");
}

/** One sentence from the model about the folder, or null when it gives nothing usable. */
export async function modelSummary(engine: InferenceEngine, d: DirectoryInfo, signal?: AbortSignal): Promise<string | null> {
  try {
    const result = await engine.complete({
      messages: [
        { role: "system", text: `You write one short sentence describing what a source folder is for. ${DATA_RULES}` },
        { role: "user", text: `Folder ${d.dir}:\n${dataBlock("facts", structuralSummary(d))}\nOne sentence:` },
      ],
      maxTokens: 60,
      temperature: 0,
      signal,
    });
    const line = result.text.replace(/\s+/g, " ").replace(/[`|<>[\]]/g, "").trim().slice(0, 200);
    return line.length >= 8 ? line : null;
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    return null;
  }
}
