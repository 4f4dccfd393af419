import { readFileSync } from "node:fs";

/** dhi's version, from the package.json shipped beside dist/ (one level above server/ and dist/ alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
