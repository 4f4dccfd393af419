export type LogLevel = "error" | "warn" | "info" | "debug";

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogSink = (level: LogLevel, message: string) => void;

/** Logs to stderr (never stdout: stdout carries JSON-RPC) and to any extra sinks, e.g. window/logMessage. */
export class Logger {
  private readonly sinks: LogSink[] = [];
  readonly level: LogLevel;

  constructor(level: LogLevel = parseLogLevel(process.env.DHI_LOG_LEVEL)) {
    this.level = level;
  }

  addSink(sink: LogSink): () => void {
    this.sinks.push(sink);
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    process.stderr.write(`[dhi ${level}] ${message}\n`);
    for (const sink of this.sinks) {
      try {
        sink(level, message);
      } catch {
        // A broken sink (closed connection) must not take logging down.
      }
    }
  }

  error(message: string): void { this.log("error", message); }
  warn(message: string): void { this.log("warn", message); }
  info(message: string): void { this.log("info", message); }
  debug(message: string): void { this.log("debug", message); }
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value === "error" || value === "warn" || value === "info" || value === "debug" ? value : "info";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
