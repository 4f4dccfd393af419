import type { LanguageName } from "../syntax/index.js";
import type { Foreground } from "../util/foreground.js";
import { ExtractionPool } from "./ExtractionPool.js";
import type { PreparedFile } from "./prepareFile.js";

/**
 * How long the process stays after its last parse: each typing pause in a large file reuses it (starting one cost
 * 0.13-0.15 s of CPU, measured), and it exits once idle, taking tree-sitter's native memory with it.
 */
export const DOCUMENT_PARSER_IDLE_MS = 30_000;

/** A parse that runs this long is stuck (a 1 MB file takes about a second): its process is stopped. */
export const DOCUMENT_PARSE_TIMEOUT_MS = 60_000;

export interface DocumentParserOptions {
  foreground?: Foreground;
  /** Defaults to DOCUMENT_PARSER_IDLE_MS. */
  idleMs?: number;
  /** Defaults to DOCUMENT_PARSE_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Parses large open documents in one extraction process at background priority, kept between typing pauses, so the
 * server's thread never holds a 1 MB parse. The process is replaced when it died, and stopped when a parse hangs,
 * when it has been idle a while, and on dispose().
 */
export class DocumentParser {
  private process: ExtractionPool | null = null;
  private idle: NodeJS.Timeout | null = null;
  /** Parses running now (two documents can parse at once). */
  private parsing = 0;
  private disposed = false;

  constructor(private readonly options: DocumentParserOptions = {}) {}

  /**
   * The extraction `prepareFile(text, language)` would give; null when no extraction process can run here (from
   * TypeScript sources), so the caller parses itself. Throws when the process died on this text twice or hung: a
   * text that kills a process must not be parsed on the server's thread either.
   */
  async parse(text: string, language: LanguageName | null): Promise<PreparedFile | null> {
    if (this.disposed) return null;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.parsing++;
    try {
      for (let attempt = 1; ; attempt++) {
        // A process that exited (killed, out of memory) has no children left: start another.
        if (this.process?.size === 0) void this.close(this.process);
        this.process ??= ExtractionPool.create(1, this.options.foreground);
        const pool = this.process;
        if (!pool) return null;
        let hung = false;
        const timeoutMs = this.options.timeoutMs ?? DOCUMENT_PARSE_TIMEOUT_MS;
        const timer = setTimeout(() => {
          hung = true;
          void this.close(pool);
        }, timeoutMs);
        try {
          return await pool.prepare(text, language);
        } catch (error) {
          if (hung) throw new Error(`its parse ran over ${Math.round(timeoutMs / 1000)} s; the process was stopped`);
          // Died since the last pause, before its exit was noticed: the parse failed at once; a new process takes it.
          if (attempt === 1 && pool.size === 0 && !this.disposed) continue;
          throw error;
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      this.parsing--;
      if (this.process && this.parsing === 0 && !this.disposed) {
        this.idle = setTimeout(() => void this.close(this.process), this.options.idleMs ?? DOCUMENT_PARSER_IDLE_MS);
        this.idle.unref?.();
      }
    }
  }

  /** Stops the process; later parses return null. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.close(this.process);
  }

  private async close(pool: ExtractionPool | null): Promise<void> {
    if (!pool) return;
    if (this.process === pool) {
      this.process = null;
      if (this.idle) clearTimeout(this.idle);
      this.idle = null;
    }
    await pool.dispose();
  }
}
