import { isBlank } from "../../text/lines.js";
import type { Filter } from "./types.js";

// Small models loop: the same line, the same block, or the same few characters again and again.

const MIN_UNIT_REPEATS = 4;
const MAX_UNIT_LENGTH = 16;

/** Offset where a run of one unit (2..16 chars, with something other than spaces) repeats for the 4th time in a line. */
function runawayUnitCut(line: string): number | null {
  for (let start = 0; start < line.length; start++) {
    for (let unit = 2; unit <= MAX_UNIT_LENGTH && start + unit * MIN_UNIT_REPEATS <= line.length; unit++) {
      const piece = line.slice(start, start + unit);
      if (isBlank(piece) || /^(.)\1*$/.test(piece)) continue; // "----" rulers and indentation are fine
      let repeats = 1;
      while (line.startsWith(piece, start + repeats * unit)) repeats++;
      if (repeats >= MIN_UNIT_REPEATS) return start + unit;
    }
  }
  return null;
}

/** Index of the first line that starts a repeat of the block (1..8 lines) right before it, or null. */
function repeatedBlockStart(lines: readonly string[]): number | null {
  for (let i = 1; i < lines.length; i++) {
    for (let size = 1; size <= 8 && i - size >= 0 && i + size <= lines.length; size++) {
      let same = true;
      let content = false;
      for (let k = 0; k < size && same; k++) {
        const a = lines[i - size + k];
        same = a === lines[i + k];
        if (!isBlank(a)) content = true;
      }
      if (same && content && !(size === 1 && /^\s*[)\]};,]*\s*$/.test(lines[i]))) return i;
    }
  }
  return null;
}

/** Removes repeated lines and blocks, and a line that ends in a runaway repetition. */
export function removeRepetition(text: string): string {
  const lines = text.split("\n");
  const blockStart = repeatedBlockStart(lines);
  let kept = blockStart === null ? lines : lines.slice(0, blockStart);
  for (let i = 0; i < kept.length; i++) {
    const cut = runawayUnitCut(kept[i]);
    if (cut !== null) {
      kept = [...kept.slice(0, i), kept[i].slice(0, cut)];
      break;
    }
  }
  return kept.join("\n");
}

export const removeRepetitionFilter: Filter = {
  name: "removeRepetition",
  apply: (candidate) => ({ ...candidate, text: removeRepetition(candidate.text) }),
};
