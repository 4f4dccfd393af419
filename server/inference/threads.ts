import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";

// `model.threads: 0` means physical cores. Hyper-threads share one core's FPU and cache, so counting
// them (or using node-llama-cpp's default of 4) oversubscribes the CPU and generation collapses.

/** Physical CPU cores: unique (physical id, core id) pairs on Linux, else half the logical CPUs when SMT is likely. */
export function physicalCores(cpuinfo: string | null = readCpuinfo()): number {
  const logical = Math.max(1, typeof availableParallelism === "function" ? availableParallelism() : cpus().length);
  if (cpuinfo) {
    const cores = new Set<string>();
    let physical = "0";
    for (const line of cpuinfo.split("\n")) {
      const [key, value] = line.split(":").map((s) => s.trim());
      if (key === "physical id") physical = value ?? "0";
      else if (key === "core id") cores.add(`${physical}:${value ?? ""}`);
    }
    if (cores.size > 0) return Math.max(1, Math.min(cores.size, logical));
  }
  // No topology (macOS, Windows, containers hiding /proc): assume 2-way SMT only on larger machines.
  return logical >= 8 ? Math.floor(logical / 2) : logical;
}

/** The thread count to use for a `model.threads` setting. */
export function resolveThreads(setting: number): number {
  return setting > 0 ? setting : physicalCores();
}

function readCpuinfo(): string | null {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return null;
  }
}
