import { existsSync, renameSync, rmSync } from "node:fs";
import hnswlib from "hnswlib-node";
import type { IndexStore } from "./IndexStore.js";

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

const INITIAL_CAPACITY = 1024;
/** Meta key: the vector version (VectorTable.version) the HNSW file was saved at. */
const HNSW_VERSION = "hnsw_version";

/**
 * Cosine HNSW over chunk vectors, persisted next to the database. SQLite is the source of truth: every vector
 * change bumps the vector version (VectorTable.version) in the same transaction, and the file records the
 * version it was saved at. A file saved at an older version (changes since its last save were lost in a crash) is
 * reconciled with SQLite: labels are never reused, so the labels SQLite lacks are deleted and the vectors the file
 * lacks are added. With no usable file the HNSW is rebuilt from the vectors kept in SQLite.
 */
export class VectorIndex {
  private hnsw: Hnsw;
  private live = 0;
  private dirty = false;
  /** How open() got the vectors: the saved file as it was, the file reconciled with SQLite, or SQLite alone. */
  loadedFrom: "file" | "reconciled" | "rebuilt" = "file";

  private constructor(private readonly dims: number, private readonly file: string) {
    this.hnsw = new HierarchicalNSW("cosine", dims);
  }

  static open(store: IndexStore, dims: number, file: string): VectorIndex {
    const index = new VectorIndex(dims, file);
    const saved = store.meta.get(HNSW_VERSION);
    // Without a recorded save this database never wrote the file (e.g. it was rebuilt): its labels mean nothing.
    if (saved !== null && existsSync(file)) {
      try {
        index.hnsw.readIndexSync(file, true);
        if (index.hnsw.getNumDimensions() === dims) {
          if (saved === store.vectors.version()) {
            // getIdsList() also lists markDelete'd labels; SQLite knows the live count and is in sync here.
            index.live = store.counts().vectors;
          } else {
            index.reconcile(store);
            index.loadedFrom = "reconciled";
          }
          return index;
        }
      } catch {
        // Unreadable file: fall through to a rebuild.
      }
      index.hnsw = new HierarchicalNSW("cosine", dims);
    }
    index.rebuild(store);
    index.loadedFrom = "rebuilt";
    return index;
  }

  /** Brings a file saved before the latest changes in line with SQLite. */
  private reconcile(store: IndexStore): void {
    const stored = new Set(store.vectors.labels());
    const present = new Set<number>();
    for (const label of this.hnsw.getIdsList()) {
      if (stored.has(label)) present.add(label);
      else {
        try {
          this.hnsw.markDelete(label);
        } catch {
          // Deleted before the save already.
        }
      }
    }
    this.live = present.size;
    for (const label of stored) {
      if (present.has(label)) continue;
      const vector = store.vectors.byLabel(label);
      if (vector && vector.length === this.dims) this.add(label, vector);
    }
    this.dirty = true;
  }

  private rebuild(store: IndexStore): void {
    this.hnsw.initIndex({ maxElements: INITIAL_CAPACITY, m: 16, efConstruction: 100, allowReplaceDeleted: true });
    this.live = 0;
    for (const { label, vector } of store.vectors.all()) if (vector.length === this.dims) this.add(label, vector);
    this.dirty = true;
  }

  get size(): number {
    return this.live;
  }

  add(label: number, vector: Float32Array): void {
    if (this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) this.hnsw.resizeIndex(this.hnsw.getMaxElements() * 2);
    this.hnsw.addPoint(Array.from(vector), label, true);
    this.live++;
    this.dirty = true;
  }

  remove(labels: number[]): void {
    for (const label of labels) {
      try {
        this.hnsw.markDelete(label);
        this.live--;
        this.dirty = true;
      } catch {
        // Not in the HNSW (added after the last save, lost in a crash): nothing to delete.
      }
    }
  }

  /** Labels of the nearest vectors, nearest first. */
  search(vector: Float32Array, k: number): number[] {
    const n = Math.min(k, this.live);
    if (n <= 0) return [];
    this.hnsw.setEf(Math.max(64, n));
    const { neighbors } = this.hnsw.searchKnn(Array.from(vector), n);
    return neighbors;
  }

  /** Writes the file atomically (temp + rename), then records which vector version it reflects. */
  save(store: IndexStore): void {
    // Inside an uncommitted (bulk) transaction the version read here could still be rolled back by a crash.
    if (store.inTransaction) return;
    if (!this.dirty && store.meta.get(HNSW_VERSION) === store.vectors.version()) return;
    const tmp = `${this.file}.tmp`;
    this.hnsw.writeIndexSync(tmp);
    renameSync(tmp, this.file);
    store.meta.set(HNSW_VERSION, store.vectors.version());
    this.dirty = false;
  }


  static deleteFile(file: string): void {
    rmSync(file, { force: true });
  }
}
