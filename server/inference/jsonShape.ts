// Lenient readers for the JSON that inference servers send: a missing or mistyped field reads as empty.

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
export const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");
