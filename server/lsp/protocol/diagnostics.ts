import type { Diagnostic } from "vscode-languageserver/node";

function isPosition(value: unknown): boolean {
  const p = value as { line?: unknown; character?: unknown } | null;
  return typeof p === "object" && p !== null && Number.isInteger(p.line) && Number.isInteger(p.character);
}

/** The client's diagnostics that have the shape the spec promises; the others are skipped, not trusted. */
export function wellFormedDiagnostics(list: readonly unknown[]): Diagnostic[] {
  return list.filter((item): item is Diagnostic => {
    const d = item as { range?: { start?: unknown; end?: unknown }; message?: unknown } | null;
    if (typeof d !== "object" || d === null || typeof d.range !== "object" || d.range === null) return false;
    const message = d.message as { value?: unknown } | string | null | undefined;
    const hasMessage = typeof message === "string" || (typeof message === "object" && message !== null && typeof message.value === "string");
    return hasMessage && isPosition(d.range.start) && isPosition(d.range.end);
  });
}
