import Database from "better-sqlite3";

// The index database: one file per workspace. Migrations are applied in order and recorded in
// PRAGMA user_version, each in its own transaction, so a crash leaves either the old or the new schema.

const MIGRATIONS: string[] = [
  // 1: files, chunks (+ FTS), symbols, refs, imports, vectors.
  `
  CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE files(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    mtime INTEGER NOT NULL,
    size INTEGER NOT NULL,
    language TEXT,
    ref_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE chunks(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    symbol TEXT,
    kind TEXT NOT NULL,
    parent TEXT,
    hash TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX chunks_file ON chunks(file_id, start_line);
  CREATE VIRTUAL TABLE chunks_fts USING fts5(
    symbols, body, tokenize = 'porter unicode61', content = '', contentless_delete = 1
  );
  CREATE TABLE symbols(
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    name TEXT NOT NULL,
    qualified TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    parent TEXT,
    chunk_id INTEGER
  );
  CREATE INDEX symbols_name ON symbols(name COLLATE NOCASE);
  CREATE UNIQUE INDEX symbols_file ON symbols(file_id, ordinal);
  -- The reference graph as an adjacency list: one row per (name, file) holding every use of that name in the
  -- file as "line,enclosing,def" triples joined by ";". enclosing is the ordinal (symbols.ordinal in the same
  -- file) of the innermost definition around the use (the caller); def links the use to a same-file definition
  -- in scope (empty: resolve by name).
  CREATE TABLE refs(
    name TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    uses TEXT NOT NULL,
    PRIMARY KEY (name, file_id)
  ) WITHOUT ROWID;
  CREATE INDEX refs_file ON refs(file_id);
  CREATE TABLE imports(file_id INTEGER NOT NULL, spec TEXT NOT NULL);
  CREATE INDEX imports_file ON imports(file_id);
  -- label → chunk map for the HNSW index; the vector is kept so the HNSW file can be rebuilt after a crash.
  CREATE TABLE vectors(
    label INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id INTEGER NOT NULL UNIQUE,
    vector BLOB NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating or migrating) the database in WAL mode. A database newer than this build is refused. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    // NORMAL keeps WAL commits durable against process crashes (not power loss), at a fraction of FULL's cost.
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -16000");
    db.pragma("temp_store = MEMORY");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`index database ${db.name} has schema ${current}, newer than this dhi (${SCHEMA_VERSION}); delete it to rebuild`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
