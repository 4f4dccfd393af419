import { indentColumns, leadingWhitespace } from "./lines.js";

/** A file's indentation: tabs, or spaces in steps of `width` columns. */
export interface IndentStyle {
  kind: "tabs" | "spaces";
  width: number;
}

const DEFAULT_STYLE: IndentStyle = { kind: "spaces", width: 4 };

/**
 * Detects indentation from sample lines: tabs or spaces, and the most common step between consecutive
 * space-indented lines. Steps of one column are alignment (doc-comment stars, continuation lines), not nesting.
 */
export function detectIndentStyle(lines: readonly string[], fallback: IndentStyle = DEFAULT_STYLE): IndentStyle {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of lines) {
    if (line.trim().length === 0) continue;
    const ws = leadingWhitespace(line);
    if (ws.startsWith("\t")) tabs++;
    else if (ws.length > 0) spaces++;
    if (ws.includes("\t")) continue;
    const step = Math.abs(ws.length - previous);
    if (step >= 2 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
    previous = ws.length;
  }
  if (tabs > spaces) return { kind: "tabs", width: fallback.kind === "tabs" ? fallback.width : 4 };
  if (spaces === 0) return fallback;
  let width = fallback.width;
  let best = 0;
  for (const [step, count] of steps) {
    if (count > best || (count === best && step < width)) {
      best = count;
      width = step;
    }
  }
  return { kind: "spaces", width };
}

/** The file's indentation unit as text: a tab, or its step in spaces (default 4). */
export function indentUnit(text: string): string {
  const style = detectIndentStyle(text.split("\n"));
  return style.kind === "tabs" ? "\t" : " ".repeat(style.width);
}

export interface ReindentOptions {
  /** Leading whitespace of the region's first line in the document. */
  baseIndent: string;
  /** The file's indentation unit (`\t` or spaces). */
  unit: string;
  /** The region's original lines, to recognise answers that dropped only the first line's indent. */
  originalLines?: readonly string[];
}

/**
 * Re-indents model code to the surrounding code: the block's own base indentation is removed, its nesting
 * levels are kept, and each level is written with the file's unit under the region's base indentation.
 */
export function reindent(code: string, options: ReindentOptions): string {
  const lines = code.replace(/\r\n/g, "\n").split("\n");
  const content = lines.filter((l) => l.trim() !== "");
  if (content.length === 0) return code;
  const modelUnitIsTab = content.some((l) => l.startsWith("\t"));
  const tabWidth = modelUnitIsTab ? 1 : 4;
  const widths = lines.map((l) => (l.trim() === "" ? -1 : indentColumns(l, tabWidth)));

  // Models often drop the first line's indent but copy the rest verbatim (absolute): detect and undo that.
  const firstWidth = widths.find((w) => w >= 0) ?? 0;
  const restWidths = widths.slice(widths.indexOf(firstWidth) + 1).filter((w) => w >= 0);
  const originalBase = indentColumns(options.baseIndent, options.unit === "\t" ? 4 : 1);
  let shiftRest = 0;
  if (firstWidth === 0 && originalBase > 0 && restWidths.length > 0 && options.originalLines && !modelUnitIsTab) {
    const origRest = options.originalLines.slice(1).filter((l) => l.trim() !== "");
    const origRestMin = origRest.length > 0 ? Math.min(...origRest.map((l) => indentColumns(l, 4))) : -1;
    if (origRestMin >= originalBase && Math.min(...restWidths) === origRestMin) shiftRest = originalBase;
  }

  const relWidths = widths.map((w, i) => (w < 0 ? -1 : i > widths.indexOf(firstWidth) ? w - shiftRest : w));
  const base = Math.min(...relWidths.filter((w) => w >= 0));
  const rel = relWidths.map((w) => (w < 0 ? -1 : Math.max(0, w - base)));
  // Irregular nesting (not multiples of one step) is kept as relative spaces rather than guessed at.
  const step = modelUnitIsTab ? 1 : commonStep(rel.filter((w) => w > 0));
  return lines
    .map((line, i) => {
      if (rel[i] < 0) return "";
      const levels = step === null ? 0 : Math.floor(rel[i] / step);
      const extra = " ".repeat(rel[i] - levels * (step ?? 0));
      return options.baseIndent + options.unit.repeat(levels) + extra + line.trimStart();
    })
    .join("\n");
}

/** The model's indentation step: the smallest positive relative indent, when the others are multiples of it. */
function commonStep(widths: number[]): number | null {
  if (widths.length === 0) return 4;
  const smallest = Math.min(...widths);
  return widths.every((w) => w % smallest === 0) ? smallest : null;
}
