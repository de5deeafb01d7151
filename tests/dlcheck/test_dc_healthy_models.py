"""Precision: ordinary, healthy training loops report nothing under all default checks.

Each loop runs with ``on_problem="raise"``, so any finding fails the test with its message. The
loops are long enough for every check to judge (dead-unit window of 10, gradient history of 5,
patience of 3) and mix evaluation passes in, as real loops do.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlcheck

STEPS = 12


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(30, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True, num_layers=2, dropout=0.2)
        self.gru = nn.GRU(32, 16, batch_first=True)
        self.out = nn.Linear(16, 5)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        h, _ = self.gru(h)
        return self.out(h)


class Residual(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(x + self.b2(self.c2(self.act(self.b1(self.c1(x))))))


def _resnet() -> nn.Module:
    # conv biases right before batch norm: their gradients are rounding noise (see DC402)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                         Residual(8), Residual(8), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 10))


def _train(model, batch, loss_fn, opt, *, autocast: bool = False, micro: int = 1) -> None:
    with dlcheck.watch(model, opt, on_problem="raise") as w:
        for step in range(STEPS):
            opt.zero_grad()
            for _ in range(micro):
                x, y = batch()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                    loss = loss_fn(model(x), y) / micro
                loss.backward()
            opt.step()
            if step % 5 == 4:  # a validation pass, done properly
                model.eval()
                with torch.no_grad():
                    model(batch()[0])
                model.train()
    assert not w.report().problems


def test_recurrent_tagger():
    model = Tagger()
    _train(model, lambda: (torch.randint(0, 30, (8, 7)), torch.randint(0, 5, (8, 7))),
           lambda out, y: nn.functional.cross_entropy(out.flatten(0, 1), y.flatten()),
           torch.optim.Adam(model.parameters(), 1e-3))


def test_residual_cnn_with_batch_norm():
    model = _resnet()
    _train(model, lambda: (torch.randn(8, 3, 12, 12), torch.randint(0, 10, (8,))),
           nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), 0.05, momentum=0.9))


def test_autocast_and_gradient_accumulation():
    model = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(32, 1))
    _train(model, lambda: (torch.randn(8, 16), torch.randn(8, 1)),
           lambda out, y: nn.functional.mse_loss(out.float(), y),
           torch.optim.AdamW(model.parameters(), 1e-3), autocast=True, micro=4)


def test_vae_with_its_own_loss():
    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(20, 32), nn.Tanh())
            self.mu, self.logvar = nn.Linear(32, 4), nn.Linear(32, 4)
            self.dec = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 20),
                                     nn.Sigmoid())

        def forward(self, x):
            h = self.enc(x)
            mu, logvar = self.mu(h), self.logvar(h)
            return self.dec(mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)), mu, logvar

    def loss_fn(out, x):
        recon, mu, logvar = out
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return nn.functional.binary_cross_entropy(recon, x, reduction="sum") + kl

    model = VAE()
    data = torch.rand(16, 20)
    _train(model, lambda: (data, data), loss_fn, torch.optim.Adam(model.parameters(), 1e-3))


def test_gan_with_two_watchers():
    gen = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh())
    disc = nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    opt_g = torch.optim.Adam(gen.parameters(), 2e-4)
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4)
    bce = nn.BCEWithLogitsLoss()
    with dlcheck.watch(gen, opt_g, on_problem="raise") as wg, \
            dlcheck.watch(disc, opt_d, on_problem="raise") as wd:
        for _ in range(STEPS):
            fake = gen(torch.randn(16, 4))
            opt_d.zero_grad()
            (bce(disc(torch.randn(16, 8)), torch.ones(16, 1))
             + bce(disc(fake.detach()), torch.zeros(16, 1))).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(disc(fake), torch.ones(16, 1)).backward()
            opt_g.step()
    assert not wg.report().problems and not wd.report().problems


@pytest.mark.parametrize("every", [1, 3])
def test_steps_counted_by_hand_between_evaluations(every):
    model = nn.Sequential(nn.Conv1d(3, 8, 3), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    with dlcheck.watch(model, every=every, on_problem="raise") as w:
        for _ in range(STEPS):
            model.train()
            loss = nn.functional.cross_entropy(model(torch.randn(4, 3, 10)), torch.randint(0, 2, (4,)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            w.step()
            model.eval()
            with torch.no_grad():
                model(torch.randn(2, 3, 10))
    assert not w.report().problems
