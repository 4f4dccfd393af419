// `npm pack` (prepack): ships npm-shrinkwrap.json, made from package-lock.json, so a global install gets
// the dependency tree CI tested. npm reads a package's own `overrides` and `allowScripts` only in a
// project, never in a global install. The shrinkwrap carries the effect of `overrides` there: a peer
// range that `overrides` overrules (the grammars' stale `tree-sitter` peer ranges; the one tree-sitter
// serves them all) is left out of its entry, so npm neither re-resolves nor warns about it. It cannot
// carry allowScripts: npm reads a locked package's scripts from its own package.json (tried).
// `postpack` removes the file again: the clone keeps package-lock.json only.
import { readFileSync, rmSync, writeFileSync } from "node:fs";

if (process.argv[2] === "--remove") {
  rmSync("npm-shrinkwrap.json", { force: true });
  process.exit(0);
}
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const overridden = Object.keys(pkg.overrides ?? {});
for (const entry of Object.values(lock.packages)) {
  for (const peer of overridden) {
    if (entry.peerDependencies?.[peer] === undefined) continue;
    delete entry.peerDependencies[peer];
    delete entry.peerDependenciesMeta?.[peer];
    for (const key of ["peerDependencies", "peerDependenciesMeta"]) if (entry[key] && Object.keys(entry[key]).length === 0) delete entry[key];
  }
}
writeFileSync("npm-shrinkwrap.json", `${JSON.stringify(lock, null, 2)}\n`);
