import { existsSync } from "node:fs";
import { join } from "node:path";

// Picks the test command, image, writable folders and environment for a project from its marker files.

export type ProjectKind = "node" | "python" | "go" | "rust";

export interface ProjectProfile {
  kind: ProjectKind;
  /** Marker file that decided the kind. */
  marker: string;
  testCommand: string;
  /** Local image for the Docker backend; built by .ci/docker-up.sh for node and python. */
  image: string;
  /** Project-relative folders the test tool writes to, given tmpfs in the sandbox. */
  writableDirs: string[];
  /** Points caches and build output at /tmp, since the project is read-only. */
  env: Record<string, string>;
}

interface Rule {
  markers: string[];
  profile: Omit<ProjectProfile, "marker" | "writableDirs"> & { writableDirs: (dir: string) => string[] };
}

const RULES: Rule[] = [
  {
    markers: ["package.json"],
    profile: {
      kind: "node",
      testCommand: "npm test",
      image: "dhi-sandbox/node:local",
      writableDirs: (dir) => (existsSync(join(dir, "node_modules")) ? ["node_modules/.cache", "node_modules/.vite"] : []),
      env: { npm_config_cache: "/tmp/.npm", npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" },
    },
  },
  {
    markers: ["pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini"],
    profile: {
      kind: "python",
      testCommand: "pytest",
      image: "dhi-sandbox/python:local",
      writableDirs: () => [],
      env: { PYTHONDONTWRITEBYTECODE: "1", PYTEST_ADDOPTS: "-p no:cacheprovider" },
    },
  },
  {
    markers: ["go.mod"],
    profile: {
      kind: "go",
      testCommand: "go test ./...",
      image: "dhi-sandbox/go:local",
      writableDirs: () => [],
      env: { GOCACHE: "/tmp/go-cache", GOPATH: "/tmp/go", GOFLAGS: "-mod=mod", GOPROXY: "off" },
    },
  },
  {
    markers: ["Cargo.toml"],
    profile: {
      kind: "rust",
      testCommand: "cargo test",
      image: "dhi-sandbox/rust:local",
      writableDirs: () => [],
      env: { CARGO_TARGET_DIR: "/tmp/target", CARGO_NET_OFFLINE: "true" },
    },
  },
];

/** The first rule whose marker file is in `projectDir`, or null for an unknown kind of project. */
export function detectProject(projectDir: string): ProjectProfile | null {
  for (const { markers, profile } of RULES) {
    const marker = markers.find((name) => existsSync(join(projectDir, name)));
    if (marker) return { ...profile, marker, writableDirs: profile.writableDirs(projectDir) };
  }
  return null;
}

/** The environment every sandboxed command starts from; callers add to it, the host's never leaks in. */
export function baseSandboxEnv(): Record<string, string> {
  return { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", TMPDIR: "/tmp", LANG: "C.UTF-8", CI: "true" };
}

/** The images .ci/docker-up.sh builds; readiness() reports which are present. */
export const DEFAULT_IMAGES = ["dhi-sandbox/node:local", "dhi-sandbox/python:local"];
