#!/usr/bin/env node
import { main } from "./cli/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dhi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
