import { describe, expect, it } from "vitest";
import { isAbortError } from "../../server/util/abort.js";
import { SharedLoad } from "../../server/util/SharedLoad.js";

/** A load that resolves only when told to, and records whether it was aborted. */
function controllableLoad() {
  let finish: (value: string) => void = () => undefined;
  const seen = { starts: 0, aborted: false };
  const load = new SharedLoad<string>((signal) => {
    seen.starts++;
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      signal.addEventListener("abort", () => {
        seen.aborted = true;
        reject(new Error("stopped"));
      });
    });
  }, "cancelled");
  return { load, seen, finish: (v: string) => finish(v) };
}

describe("SharedLoad", () => {
  it("runs one load for every caller waiting at the same time", async () => {
    const { load, seen, finish } = controllableLoad();
    const a = load.wait();
    const b = load.wait();
    finish("model");
    await expect(Promise.all([a, b])).resolves.toEqual(["model", "model"]);
    expect(seen.starts).toBe(1);
  });

  it("ends only the cancelling caller's wait while another still waits", async () => {
    const { load, seen, finish } = controllableLoad();
    const first = new AbortController();
    const a = load.wait(first.signal);
    const b = load.wait();
    first.abort();
    await expect(a).rejects.toSatisfy(isAbortError);
    expect(seen.aborted).toBe(false);
    finish("model");
    await expect(b).resolves.toBe("model");
  });

  it("stops the load when every waiter has gone, and starts afresh next time", async () => {
    const { load, seen } = controllableLoad();
    const one = new AbortController();
    const two = new AbortController();
    const a = load.wait(one.signal);
    const b = load.wait(two.signal);
    one.abort();
    two.abort();
    await expect(Promise.allSettled([a, b])).resolves.toEqual([
      expect.objectContaining({ status: "rejected" }),
      expect.objectContaining({ status: "rejected" }),
    ]);
    expect(seen.aborted, JSON.stringify(seen)).toBe(true);
    await Promise.resolve();
    expect(load.running).toBe(false);
    void load.wait().catch(() => undefined);
    expect(seen.starts).toBe(2);
  });

  it("abort() stops the load for everyone with the cancelled message", async () => {
    const { load } = controllableLoad();
    const a = load.wait();
    await load.abort();
    await expect(a).rejects.toThrow("cancelled");
  });
});
