import type Docker from "dockerode";
import { SandboxError } from "./SandboxError.js";

// DOCKER_HOST is read from the environment we were given (which may not be process.env).

export interface DockerEndpoint {
  /** Options for `new Docker(...)`; undefined lets docker-modem read process.env itself (ssh, TLS). */
  options: Docker.DockerOptions | undefined;
  /** Where the engine is, for messages. */
  describe: string;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";

export function dockerEndpoint(env: NodeJS.ProcessEnv): DockerEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { options: { socketPath: DEFAULT_SOCKET }, describe: `unix://${DEFAULT_SOCKET}` };
  if (host.startsWith("unix://")) {
    const socketPath = host.slice("unix://".length) || DEFAULT_SOCKET;
    return { options: { socketPath }, describe: `unix://${socketPath}` };
  }
  if (host.startsWith("tcp://") && env.DOCKER_TLS_VERIFY !== "1") {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new SandboxError(`dhi: DOCKER_HOST "${host}" is not a valid address (expected unix:///path or tcp://host:port)`);
    }
    const port = url.port || "2375";
    if (port !== "2376") return { options: { host: url.hostname, port, protocol: "http" }, describe: host };
  }
  return { options: undefined, describe: host };
}
