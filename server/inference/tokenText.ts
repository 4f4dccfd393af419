import type { LlamaModel, Token } from "node-llama-cpp";

type Model = Pick<LlamaModel, "detokenize" | "tokenize">;

// Each model's token pieces, computed once (the vocabulary never changes).
const piecesByModel = new WeakMap<Model, Map<Token, string>>();
const CLEANED_AFTER_SPACE = /^[?!.,']/;

/**
 * The text of generated tokens the way llama-server streams it: each token's own piece, concatenated.
 *
 * llama.cpp's detokenize() applies the tokenizer's `clean_up_tokenization_spaces` for GPT-2 style vocabularies:
 * it deletes the space before `? ! . ,` and around apostrophes, which is right for English prose and wrong for
 * code (`=== 'a'` became `==='a'`, `a , b` became `a, b`). node-llama-cpp only exposes detokenize(), so a piece
 * whose leading space the clean-up may have taken is checked by tokenizing it back. Tokens that end inside a
 * multi-byte character are held until the character is complete.
 */
export class TokenTextStream {
  private done = "";
  private pending: Token[] = [];
  private readonly pieces: Map<Token, string>;

  constructor(private readonly model: Model) {
    let pieces = piecesByModel.get(model);
    if (!pieces) piecesByModel.set(model, (pieces = new Map()));
    this.pieces = pieces;
  }

  /** Adds a token; returns the text so far (complete characters only). */
  push(token: Token): string {
    if (this.pending.length === 0) {
      const piece = this.piece(token);
      if (!piece.includes("\uFFFD")) return (this.done += piece);
    }
    this.pending.push(token);
    const joined = this.model.detokenize(this.pending, false);
    if (!joined.endsWith("\uFFFD")) {
      this.done += joined;
      this.pending = [];
    }
    return this.done;
  }

  /** The whole text, including a trailing incomplete character. */
  finish(): string {
    if (this.pending.length > 0) this.done += this.model.detokenize(this.pending, false);
    this.pending = [];
    return this.done;
  }

  private piece(token: Token): string {
    const known = this.pieces.get(token);
    if (known !== undefined) return known;
    let piece = this.model.detokenize([token], false);
    if (CLEANED_AFTER_SPACE.test(piece)) {
      const spaced = ` ${piece}`;
      const back = this.model.tokenize(spaced, false);
      if (back.length === 1 && back[0] === token) piece = spaced;
    }
    this.pieces.set(token, piece);
    return piece;
  }
}
