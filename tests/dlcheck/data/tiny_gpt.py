"""A tiny character-level GPT in nanoGPT's shape, trained for a few dozen steps on made-up text.

A plain training script that knows nothing of dlcheck: ``dlcheck run`` must find its bugs
without a change to it. ``--bugs`` plants three of them, each the way it happens in real code:

1. the running loss is kept as a tensor (``running_loss += loss``): every step's autograd
   graph stays alive;
2. evaluation runs with the model still in training mode (``model.eval()`` forgotten): dropout
   is on while the validation loss is measured;
3. a copy-paste slip in the transformer block (``self.ln_1`` used where ``self.ln_2`` was
   meant): the second layer norm of every block never gets a gradient.

Without ``--bugs`` the same script is healthy. It prints one line per evaluation and exits with
``--exit-code`` (default 0), so a test can see that the exit status passes through.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

import torch
from torch import nn
from torch.nn import functional as F

WORDS = ("the cat dog bird sat ran flew on under over a mat log tree and quickly slowly "
         "big small red blue sang saw").split()


def make_text(n_sentences: int, seed: int) -> str:
    """Sentences from a small grammar: learnable structure, no download."""
    rng = random.Random(seed)
    nouns, verbs = WORDS[1:4] + WORDS[10:13], WORDS[4:7] + WORDS[20:22]
    lines = []
    for _ in range(n_sentences):
        adj = rng.choice(WORDS[16:20])
        lines.append(f"the {adj} {rng.choice(nouns)} {rng.choice(verbs)} "
                     f"{rng.choice(WORDS[7:10])} a {rng.choice(nouns)}.")
    return "\n".join(lines)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, block_size: int, dropout: float) -> None:
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        mask = torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd: int, dropout: float) -> None:
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int, block_size: int, dropout: float,
                 copy_paste_slip: bool) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)
        self.copy_paste_slip = copy_paste_slip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        if self.copy_paste_slip:  # planted bug 3: ln_2 is never used, so never gets a gradient
            return x + self.mlp(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 4,
                 n_embd: int = 32, dropout: float = 0.1, copy_paste_slip: bool = False) -> None:
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, block_size, dropout, copy_paste_slip)
                                for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying, as in nanoGPT

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        T = idx.size(1)
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def get_batch(data: torch.Tensor, block_size: int, batch_size: int,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[i:i + block_size] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix.tolist()])
    return x, y


@torch.no_grad()
def estimate_loss(model: GPT, splits: dict[str, torch.Tensor], args: argparse.Namespace,
                  gen: torch.Generator) -> dict[str, float]:
    if not args.bugs:  # planted bug 2: with --bugs, model.eval() is forgotten
        model.eval()
    out = {}
    for name, data in splits.items():
        losses = [model(*get_batch(data, args.block_size, args.batch_size, gen))[1].item()
                  for _ in range(args.eval_iters)]
        out[name] = sum(losses) / len(losses)
    model.train()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bugs", action="store_true", help="plant the three bugs")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--eval-every", type=int, default=20)
    parser.add_argument("--eval-iters", type=int, default=2)
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--exit-code", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    text = make_text(400, args.seed)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    splits = {"train": data[:n], "val": data[n:]}
    gen = torch.Generator().manual_seed(args.seed)

    model = GPT(len(chars), args.block_size, copy_paste_slip=args.bugs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)

    running_loss = 0.0
    for step in range(args.steps):
        if step % args.eval_every == 0:
            losses = estimate_loss(model, splits, args, gen)
            print(f"step {step}: train loss {losses['train']:.3f}, val loss {losses['val']:.3f}")
        x, y = get_batch(splits["train"], args.block_size, args.batch_size, gen)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if args.bugs:
            running_loss += loss  # noqa: DL101 - planted bug 1: every step's graph stays alive
        else:
            running_loss += loss.item()
    print(f"mean training loss {running_loss / args.steps:.3f}")
    return args.exit_code


if __name__ == "__main__":
    sys.exit(main())
