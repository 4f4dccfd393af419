import type { Settings } from "../config/schema.js";

/** Placeholder until the index lands: whether an embedding model can be loaded. */
export async function embeddingReadiness(_settings: Settings, _env: NodeJS.ProcessEnv): Promise<{ ready: boolean; detail: string }> {
  return { ready: false, detail: "embeddings are not available in this build yet" };
}
