// Each subcommand's usage, shown by `dhi SUB --help` (exit 0) and after a bad flag (exit 2).
// `dhi --help` lists the first line of each.

export const USAGE: Record<string, string> = {
  complete: `usage: dhi complete FILE:LINE:COL [--model P] [--draft-model P] [--max-tokens N] [--json]
  Prints the fill-in-the-middle completion at FILE:LINE:COL (1-based), with the server's engine and filters.
  --model P        model file or hf:/https URI (default: model.path, DHI_MODEL, then the pulled default)
  --draft-model P  draft model for speculative decoding
  --max-tokens N   longest completion, in tokens
  --json           print {"text", "timings", "tokens", ...}
`,
  index: `usage: dhi index [DIR] [--json]
  Builds or updates the index of DIR (default: the current directory) and prints its stats.
  --json  print the stats as JSON
`,
  search: `usage: dhi search QUERY [--dir DIR] [-k N] [--json]
  Hybrid (lexical + vector) search over DIR's index; prints path:startLine-endLine score symbol.
  --dir DIR  workspace to search (default: the current directory)
  -k N       number of results (default 10)
  --json     print the hits as JSON
`,
  agent: `usage: dhi agent "INSTRUCTION" [--dir DIR] [--apply] [--json]
  Runs the verified agent on DIR. Without --apply it prints a unified diff and changes nothing.
  --dir DIR  workspace (default: the current directory)
  --apply    write the verified changes
  --json     print the dhi.agent.run result
`,
  test: `usage: dhi test [--dir DIR] [--json]
  Runs the project's tests in the sandbox (sandbox.backend: docker, bwrap or none).
  --dir DIR  project (default: the current directory)
  --json     print the result as JSON
`,
  models: `usage: dhi models pull [--model NAME] [--draft-model NAME] [--no-draft] [--no-embedding] | dhi models list
  pull  downloads the default models (or NAME: an hf: URI or https URL) and the default embedding model
        (unless --no-embedding) into the model cache
  list  shows the models in the cache
`,
  doctor: `usage: dhi doctor [--dir DIR] [--json]
  Checks the model, draft model, llama.cpp, embedding model, grammars, index and sandbox, and says how to fix
  what is missing. Exits 2 when a required part is missing.
  --dir DIR  workspace to check (default: the current directory)
  --json     print the checks as JSON
`,
  setup: `usage: dhi setup [--build-llama | --no-build-llama] [--no-measure] [--no-embedding]
  First run in one step: downloads the default models (with progress), installs the embedding runtime
  (transformers.js, from the npm registry, no install scripts) into the cache, measures whether the draft
  model speeds up completions on this CPU, offers to build llama.cpp for this CPU, then measures whether
  flash attention helps this model on this CPU ("model.flashAttention": "auto" follows it), and then whether
  prompt-lookup drafting does ("model.speculation.completionLookup": "auto" follows it). Safe to run again.
  --build-llama     build llama.cpp here without asking (a few minutes; needs cmake and a C++ compiler)
  --no-build-llama  skip the build
  --no-measure      skip the measurements (the pulled draft and prompt lookup then stay off; llama.cpp decides
                    flash attention)
  --no-embedding    skip the default embedding model and runtime (search then runs without vectors)
`,
  trust: `usage: dhi trust [DIR]
  Trusts the current content of DIR's .dhi.json (default: the current directory), so that its restricted
  settings take effect: backend.*, model.*, sandbox.*, agent.protectedPaths, index.maxFileBytes,
  index.embeddingModel. Until then dhi ignores them and says which. Trust is kept by content hash in dhi's cache
  folder (DHI_CACHE_DIR), never in the workspace: a changed file needs trusting again. Read the file first.
`,
};

/** `dhi SUB --help` or `-h` anywhere before a `--`. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}
