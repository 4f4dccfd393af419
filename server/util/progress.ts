/** Progress reported by long work (model load, indexing, agent runs, test runs); the LSP layer maps it to $/progress. */
export interface ProgressUpdate {
  message: string;
  /** 0..100 */
  percentage?: number;
}

export type OnProgress = (update: ProgressUpdate) => void;
