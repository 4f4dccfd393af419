import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUSY_MESSAGE } from "../../server/index/bulkUpdate.js";
import { IndexStore } from "../../server/index/IndexStore.js";
import { IndexWriter, type BusyRetry } from "../../server/index/IndexWriter.js";
import { prepareFile } from "../../server/index/prepareFile.js";
import { openDatabase } from "../../server/index/schema.js";

const FAST_RETRY: BusyRetry = { firstWaitMs: 2, maxWaitMs: 5, giveUpMs: 5_000 };

function busyError(): Error {
  return Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
}

describe("IndexWriter", () => {
  let dir: string;
  let store: IndexStore;
  let written: number[][];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "dhi-writer-"));
    store = new IndexStore(join(dir, "index.db"));
    written = [];
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writerWith = (retry: BusyRetry = FAST_RETRY): IndexWriter => new IndexWriter(store, (labels) => written.push(labels), retry);

  it("runs writes in the order they were asked for, after a bulk hold ends", async () => {
    const writer = writerWith();
    const order: string[] = [];
    let endHold = (): void => undefined;
    const held = writer.hold(() => new Promise<void>((resolve) => {
      order.push("bulk starts");
      endHold = () => {
        order.push("bulk ends");
        resolve();
      };
    }));
    const writes = [
      writer.write(() => (order.push("write 1"), [])),
      writer.exclusive(() => order.push("vectors")),
      writer.write(() => (order.push("write 2"), [])),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order, "nothing may write while the bulk update holds the lock").toEqual(["bulk starts"]);
    endHold();
    await Promise.all([held, ...writes]);
    expect(order).toEqual(["bulk starts", "bulk ends", "write 1", "vectors", "write 2"]);
  });

  it("retries a busy write without letting a later write overtake it", async () => {
    const writer = writerWith();
    const order: string[] = [];
    let tries = 0;
    const first = writer.exclusive(() => {
      if (++tries < 3) throw busyError();
      order.push("first");
      return "done";
    });
    const second = writer.write(() => (order.push("second"), []));
    await expect(first).resolves.toBe("done");
    await second;
    expect(tries).toBe(3);
    expect(order).toEqual(["first", "second"]);
  });

  it("gives up with the busy message once the retry's time is out, and throws other errors at once", async () => {
    let tries = 0;
    const busy = writerWith({ firstWaitMs: 1, maxWaitMs: 2, giveUpMs: 30 }).exclusive(() => {
      tries++;
      throw busyError();
    });
    await expect(busy).rejects.toThrow(BUSY_MESSAGE);
    expect(tries).toBeGreaterThan(1);

    let failures = 0;
    const broken = writerWith().exclusive(() => {
      failures++;
      throw new Error("disk full");
    });
    await expect(broken).rejects.toThrow("disk full");
    expect(failures).toBe(1);
  });

  it("waits out another connection's write lock on the real database", async () => {
    const other = openDatabase(store.file);
    try {
      store.setBusyTimeout(0);
      other.exec("BEGIN IMMEDIATE");
      const write = writerWith().write(() => {
        store.meta.set("probe", "written");
        return [];
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(store.meta.get("probe"), "the other connection still holds the lock").toBeNull();
      other.exec("COMMIT");
      await write;
      expect(store.meta.get("probe")).toBe("written");
    } finally {
      other.close();
    }
  });

  it("tells the HNSW which labels a write removed, and bumps the vector version with them", async () => {
    const writer = writerWith();
    const file = prepareFile("export function alpha(): number {\n  return 1;\n}\n", "typescript");
    await writer.write(() => store.writeFile("a.ts", "h1", 1, 10, file));
    const [chunk] = store.chunks.ofPath("a.ts");
    const [{ label }] = store.transaction(() => store.vectors.add([{ chunkId: chunk.id, vector: new Float32Array([1, 0]) }]));
    const version = store.vectors.version();
    await writer.write(() => store.removeFile("a.ts"));
    expect(written).toEqual([[], [label]]);
    expect(Number(store.vectors.version())).toBe(Number(version) + 1);
  });
});
