import { z } from "zod";
import { trustWorkspaceSettings } from "../../config/loadSettings.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ uri: z.string().min(1).optional() }).nullish();

/**
 * `dhi.workspace.trust {uri?}`: trusts the current `.dhi.json` of that workspace folder (default: the first), by
 * its content hash, then re-reads the settings so its restricted keys take effect.
 */
export const workspaceTrustCommand: LspCommand = {
  id: "dhi.workspace.trust",
  async execute(argument, { workspace, reloadSettings }) {
    // The server already routed the command to the folder `uri` names (a folder, or a file in it; default: the first).
    ArgsSchema.parse(argument);
    const root = workspace.root;
    if (!root) throw new Error("dhi: no workspace folder is open, so there is no .dhi.json to trust");
    const trusted = trustWorkspaceSettings(root, workspace.env);
    if (!trusted) return { trusted: false, message: `dhi: ${root} has no .dhi.json; there is nothing to trust` };
    await reloadSettings();
    return { trusted: true, file: trusted.file, sha256: trusted.hash, restrictedKeys: trusted.keys };
  },
};
