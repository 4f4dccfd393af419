import { readFileSync } from "node:fs";

/** A recorded SSE response, split into the events as the server wrote them. */
export function readFixture(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
  return text.split(/(?<=\n\n)/).filter((e) => e.trim() !== "");
}
