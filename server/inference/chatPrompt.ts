import type { ChatHistoryItem, ChatWrapper, LlamaModel, LlamaText, Token } from "node-llama-cpp";
import type { ChatMessage } from "./types.js";

// Renders messages through the model's chat wrapper into tokens, plus what ends the reply.

export interface ChatPrompt {
  tokens: Token[];
  /** Single-token triggers (end-of-turn tokens). */
  stopTokens: Set<Token>;
  /** Plain-text triggers (e.g. "\n\nUser:" for the general fallback template). */
  stopStrings: string[];
  /** Tokens of the user/system text only: what prompt lookup copies from. */
  inputTokens: Token[];
}

export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem =>
    m.role === "system" ? { type: "system", text: m.text } : m.role === "user" ? { type: "user", text: m.text } : { type: "model", response: [m.text] },
  );
  // The wrapper renders the open assistant turn that the model completes.
  history.push({ type: "model", response: [] });
  return history;
}

export function renderChatPrompt(model: LlamaModel, wrapper: ChatWrapper, messages: readonly ChatMessage[]): ChatPrompt {
  const state = wrapper.generateContextState({ chatHistory: toChatHistory(messages) });
  const tokens = state.contextText.tokenize(model.tokenizer);
  const stopTokens = new Set<Token>();
  const stopStrings: string[] = [];
  for (const trigger of state.stopGenerationTriggers) addTrigger(model, trigger, stopTokens, stopStrings);
  const inputTokens = messages.filter((m) => m.role !== "assistant").flatMap((m) => model.tokenize(m.text, false));
  return { tokens, stopTokens, stopStrings, inputTokens };
}

function addTrigger(model: LlamaModel, trigger: LlamaText, stopTokens: Set<Token>, stopStrings: string[]): void {
  const plain = trigger.values.every((v) => typeof v === "string");
  if (plain) {
    const text = trigger.toString();
    if (text !== "") stopStrings.push(text);
    return;
  }
  const ids = trigger.tokenize(model.tokenizer);
  if (ids.length === 1 && ids[0] !== undefined) stopTokens.add(ids[0]);
}
