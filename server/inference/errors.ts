/** No model is configured: the message says exactly how to configure one. */
export class ModelNotConfiguredError extends Error {
  override readonly name = "ModelNotConfiguredError";
  constructor() {
    super(
      'dhi: no model configured. Run `dhi setup` to download the default, or set "model.path" in .dhi.json or your editor\'s dhi settings, or export DHI_MODEL=/path/to/model.gguf.',
    );
  }
}

/** The configured model file does not exist. */
export class ModelNotFoundError extends Error {
  override readonly name = "ModelNotFoundError";
  constructor(readonly modelPath: string, setting = "model.path") {
    super(`dhi: model file not found: ${modelPath} (from ${setting}). Check the path, or run \`dhi setup\` to download the default.`);
  }
}

/** The model has no fill-in-the-middle tokens, so FIM completion cannot work with it. */
export class FimUnsupportedError extends Error {
  override readonly name = "FimUnsupportedError";
  constructor(readonly modelName: string) {
    super(
      `dhi: the model ${modelName} has no fill-in-the-middle tokens, so it cannot complete code. Use a FIM-trained code model (e.g. Qwen2.5-Coder, StarCoder2, DeepSeek-Coder), or set "model.template" to a FIM template the model was trained with.`,
    );
  }
}

/** An inference server answered with an error we can explain (401, 404, …). */
export class BackendError extends Error {
  override readonly name = "BackendError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}
