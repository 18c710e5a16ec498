"""A tiny random causal LM (Qwen2, hidden 32, 2 layers) and a tokenizer trained here with `tokenizers`."""

from __future__ import annotations

import os

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    "<|channel|>analysis<|message|>think about the grid<|end|>",
    "<|start|>assistant<|channel|>final<|message|>[[1,2],[3,4]]<|return|>",
    "solve the puzzle: rotate the grid, mirror it, count the cells",
    "0 1 2 3 4 5 6 7 8 9 [ ] , the answer is",
] * 20


def make_tiny(folder: str, llama: bool = False):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tok_dir = os.path.join(folder, "model")
    if os.path.isfile(os.path.join(tok_dir, "config.json")):
        return tok_dir
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
    raw = Tokenizer(models.BPE(unk_token=None))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=300, special_tokens=specials,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    from tokenizers import decoders

    raw.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|im_end|>", pad_token="<pad>",
                                  bos_token=None, unk_token=None)
    tok.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    kw = dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
              num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
              eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(LlamaConfig(**kw)) if llama else Qwen2ForCausalLM(Qwen2Config(**kw))
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(tok_dir)
    tok.save_pretrained(tok_dir)
    return tok_dir
