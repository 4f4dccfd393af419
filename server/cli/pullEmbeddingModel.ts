import { DEFAULT_EMBEDDING_MODEL, huggingFaceEndpoint, pullDefaultEmbeddingModel } from "../index/defaultEmbeddingModel.js";
import type { CliIO } from "./args.js";
import { downloadErrorMessage } from "../inference/downloadErrors.js";
import { ProgressBar } from "./commands/models.js";

// The CLI side of pulling the default embedding model: one progress bar per file on stderr and one clear line
// on failure. `dhi models pull` and `dhi setup` call it.

const OFFLINE_FIX = 'Copy the model folder from another machine into the model cache, or set DHI_EMBED_MODEL / "index.embeddingModel" to a local folder (search works without vectors meanwhile).';

/** Pulls DEFAULT_EMBEDDING_MODEL into the model cache; its folder, or null after printing why it failed. */
export async function pullEmbeddingModel(io: CliIO, signal?: AbortSignal): Promise<string | null> {
  const bars = new Map<string, ProgressBar>();
  let current: ProgressBar | undefined;
  try {
    const dir = await pullDefaultEmbeddingModel({
      env: io.env,
      endpoint: huggingFaceEndpoint({ ...process.env, ...io.env }),
      signal,
      onProgress: ({ file, downloaded, total }) => {
        if (!bars.has(file)) {
          current?.done();
          current = new ProgressBar(io, `${DEFAULT_EMBEDDING_MODEL.id}/${file}`);
          bars.set(file, current);
        }
        current?.update(downloaded, total);
      },
    });
    current?.done();
    return dir;
  } catch (error) {
    current?.abandon();
    io.stderr(`${downloadErrorMessage(DEFAULT_EMBEDDING_MODEL.id, error, OFFLINE_FIX)}\n`);
    return null;
  }
}
