import type Database from "better-sqlite3";

/** The meta table: small key/value facts about the index (embedding model, vector versions). */
export class MetaTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      get: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      set: db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    };
  }

  get(key: string): string | null {
    return this.s.get.get(key)?.value ?? null;
  }

  set(key: string, value: string): void {
    this.s.set.run(key, value);
  }
}
