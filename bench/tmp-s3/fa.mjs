import { measureFlashAttention } from "../../dist/inference/measureFlashAttention.js";
import { fileURLToPath } from "node:url";
const MODEL = fileURLToPath(new URL("../../../shared/models/dhi-fim-4m.gguf", import.meta.url));
for (let i = 0; i < 3; i++) console.log(JSON.stringify(await measureFlashAttention(MODEL, { threads: 1 })));
