// A tiny glob matcher for `agent.protectedPaths`: `**` crosses folders, `*` and `?` stay within one,
// `{a,b}` alternates. node's path.matchesGlob exists in Node 20.20 but prints an ExperimentalWarning.

const cache = new Map<string, RegExp>();

function escape(ch: string): string {
  return /[\\^$.|+()[\]{}]/.test(ch) ? `\\${ch}` : ch;
}

/** Compiles a glob to an anchored RegExp over "/"-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let out = "";
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        const atSegmentStart = i === 0 || glob[i - 1] === "/";
        const slashAfter = glob[i + 2] === "/";
        i++;
        if (atSegmentStart && slashAfter) {
          i++; // `**/` matches zero or more whole folders.
          out += "(?:[^/]*/)*";
        } else {
          out += ".*";
        }
      } else {
        out += "[^/]*";
      }
    } else if (ch === "?") out += "[^/]";
    else if (ch === "{") {
      inBraces++;
      out += "(?:";
    } else if (ch === "}" && inBraces > 0) {
      inBraces--;
      out += ")";
    } else if (ch === "," && inBraces > 0) out += "|";
    else out += escape(ch);
  }
  const re = new RegExp(`^${out}$`);
  cache.set(glob, re);
  return re;
}

/**
 * Whether the relative path matches the glob. A pattern without "/" also matches the base name in any
 * folder (as .gitignore does), so `.env*` protects `config/.env.local` too.
 */
export function matchesGlob(relativePath: string, glob: string): boolean {
  const path = relativePath.replace(/\\/g, "/").replace(/^\.\//, "");
  const pattern = glob.replace(/^\.\//, "");
  if (globToRegExp(pattern).test(path)) return true;
  if (!pattern.includes("/")) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    return globToRegExp(pattern).test(base);
  }
  // `dir/**` also protects the folder itself.
  if (pattern.endsWith("/**") && path === pattern.slice(0, -3)) return true;
  return false;
}
