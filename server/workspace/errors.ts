/** A command that needs a workspace folder ran without one (the client opened none). The caller can fix it. */
export class NoWorkspaceFolderError extends Error {
  constructor(what: string) {
    super(`dhi: ${what} needs a workspace folder; open a folder first`);
  }
}
