"""A network held by an instance of a plain class (no base but ``object``), read from a script of
the project (tenth audit, cause CC; fartashf/vsepp, a dev DL302 bug): ``agent.q_net`` with
``agent = Agent(opt)`` has the dependence of every value ``Agent`` binds to ``self.q_net``, judged
in ``Agent``'s module; ``unknown`` as soon as one of them may hold a dropout, a batch norm or a
module whose class is not seen (a constructor parameter, ``torch.load``, a torchvision model
chosen by a factory), or when ``agent`` may be something else. A holder's attribute bound to what a
function of the project returns (``self.img_enc = EncoderImage(...)``, a factory returning one of
two encoder classes) is a model the mode analysis follows, so the script that leaves it in eval
mode mid-epoch is reported on it; a copy (``copy.deepcopy(self.q_net)``, a target network) has
the layers of what it copies."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dllint.analysis.project import PROJECT

sys.path.insert(0, str(Path(__file__).parent))
from project_lint import lint_findings, write_files  # noqa: E402

AGENT = """import copy
import torch
import torch.nn as nn


class QNet(nn.Module):
    def __init__(self, n, m):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n, 64), nn.ReLU(), nn.Linear(64, m))

    def forward(self, s):
        return self.body(s)


class DropNet(nn.Module):
    def __init__(self, n, m):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, m))

    def forward(self, s):
        return self.body(s)


def make_net(opt):
    if opt.small:
        net = QNet(opt.n, opt.m)
    else:
        net = {other}(opt.n, opt.m)
    return net


class {header}:
    def __init__(self, opt{param}):
        self.q_net = {built}
        self.q_target = copy.deepcopy(self.q_net)
        self.opt = torch.optim.Adam(self.q_net.parameters(), lr=1e-3)

    def reset(self, opt):
        self.q_net = {rebuilt}

    def select_action(self, state):
        with torch.no_grad():
            return self.q_net(state).argmax().item()

    def train(self, s, a, r, s2):
        with torch.no_grad():
            target = r + 0.99 * self.q_target(s2).max(1)[0]
        loss = (self.q_net(s).gather(1, a) - target).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
"""

MAIN = """import torch
from agent import Agent
from config import opt, env, replay


def main():
    model = Agent(opt{arg})
    if opt.resume:
        {resumed}
    s = env.reset()
    for t in range(100):
        a = model.select_action(s)
        s = env.step(a)
        model.train(*replay.sample())
    for t in range(10):  # an evaluation episode (acting during training wants training mode: BM)
        a = model.select_action(s)
        s = env.step(a)


if __name__ == '__main__':
    main()
"""

ACT = ("main.py", 16, "DL301")  # the script's ``model.select_action(s)`` of the evaluation episode
OWN = ("agent.py", 43, "DL301")  # ``self.q_net(state)`` in ``select_action``
# ``self.q_target(s2)`` in ``train`` (agent.py:47) is the double-Q target of a learning step:
# training mode is intended there (tenth audit BM), so it is never expected


@pytest.mark.parametrize("header, param, built, rebuilt, other, arg, resumed, expected", [
    # (CC) a plain agent that builds its network of linear layers and activations, in __init__
    # and again in reset(): mode-free from the script as from the agent's module
    ("Agent(object)", "", "QNet(opt.n, opt.m)", "QNet(opt.n, opt.m)", "QNet", "",
     "model.epsilon = 0.05", set()),
    # a factory of the project whose every return is mode-free
    ("Agent", "", "make_net(opt)", "make_net(opt)", "QNet", "", "model.epsilon = 0.05", set()),
    # reset() rebuilds it with a dropout: the script's model.q_net may drop
    ("Agent(object)", "", "QNet(opt.n, opt.m)", "DropNet(opt.n, opt.m)", "QNet", "",
     "model.epsilon = 0.05", {ACT, OWN}),
    # the factory may return a network with a dropout
    ("Agent", "", "make_net(opt)", "make_net(opt)", "DropNet", "", "model.epsilon = 0.05", {ACT, OWN}),
    # the network is the caller's (a constructor parameter): not seen
    ("Agent", ", net", "net", "net", "QNet", ", torch.load('q.pt')", "model.epsilon = 0.05",
     {ACT, OWN}),
    # the script puts a network it loads in the agent: not seen
    ("Agent(object)", "", "QNet(opt.n, opt.m)", "QNet(opt.n, opt.m)", "QNet", "",
     "model.q_net = torch.load(opt.resume)", {ACT}),
])
def test_script_reads_the_holders_network(tmp_path, monkeypatch, capsys, header, param, built, rebuilt,
                                          other, arg, resumed, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "agent.py": AGENT.format(header=header, param=param, built=built, rebuilt=rebuilt, other=other),
        "main.py": MAIN.format(arg=arg, resumed=resumed),
    })
    assert lint_findings(capsys, "DL301", "--no-cache", ".") == expected


LOADER = """import torch
from agent import Agent
from config import opt, env, replay


{helper}
def main():
    model = Agent(opt)
    s = env.reset()
    for t in range(100):
        a = model.select_action(s)
        s = env.step(a)
        model.train(*replay.sample())
"""


def _dependence_at(tmp_path, monkeypatch, files: dict, path: str, code: str, key: str) -> str:
    """``Models.key_mode_dependence(key)`` at the call ``code`` of ``path``."""
    import libcst as cst

    from dllint.analysis.models import Models

    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, files)
    ctx = PROJECT.context(tmp_path / path)
    call = next(c for c in ctx.index.of_type(cst.Call) if ctx.code_for(c) == code)
    return ctx.analysis(Models).key_mode_dependence(key, call)


@pytest.mark.parametrize("helper, expected", [
    ("", "no"),
    # a helper of the script (run from elsewhere) puts a network it loads in an agent
    ("def restore(agent, path):\n    agent.q_net = torch.load(path)\n", "unknown"),
    # it unpacks into the agent: not followed
    ("def restore(agent, path):\n    agent.q_net, agent.steps = torch.load(path)\n", "unknown"),
    # another attribute: the network is still the agent's
    ("def restore(agent, path):\n    agent.steps = torch.load(path)\n", "no"),
])
def test_holders_attribute_bound_elsewhere(tmp_path, monkeypatch, helper, expected):
    """``model.q_net`` is what ``Agent`` binds to ``self.q_net`` only while nothing else of the file
    binds a ``q_net`` on some object."""
    files = {
        "agent.py": AGENT.format(header="Agent", param="", built="QNet(opt.n, opt.m)",
                                 rebuilt="QNet(opt.n, opt.m)", other="QNet"),
        "main.py": LOADER.format(helper=helper),
    }
    assert _dependence_at(tmp_path, monkeypatch, files, "main.py", "model.select_action(s)", "model.q_net") == expected


def test_holders_attribute_unpacked_in_the_class(tmp_path, monkeypatch):
    """The class binds ``self.q_net`` by unpacking in a method: not followed, ``unknown``."""
    agent = AGENT.format(header="Agent", param="", built="QNet(opt.n, opt.m)",
                         rebuilt="QNet(opt.n, opt.m)", other="QNet")
    agent = agent.replace("    def reset(self, opt):\n", "    def reset(self, opt):\n"
                          "        self.q_net, self.steps = torch.load(opt.path)\n")
    files = {"agent.py": agent, "main.py": LOADER.format(helper="")}
    assert _dependence_at(tmp_path, monkeypatch, files, "main.py", "model.select_action(s)", "model.q_net") == "unknown"


MODEL = """import torch
import torch.nn as nn
import torchvision.models as models


class EncoderImageFull(nn.Module):
    def __init__(self, embed_size, cnn_type):
        super().__init__()
        self.cnn = models.__dict__[cnn_type](pretrained=True)
        self.fc = nn.Linear(4096, embed_size)

    def forward(self, images):
        return self.fc(self.cnn(images))


class EncoderImagePrecomp(nn.Module):
    def __init__(self, img_dim, embed_size):
        super().__init__()
        self.fc = nn.Linear(img_dim, embed_size)

    def forward(self, images):
        return self.fc(images)


def EncoderImage(data_name, img_dim, embed_size, cnn_type):
    if data_name.endswith('_precomp'):
        img_enc = EncoderImagePrecomp(img_dim, embed_size)
    else:
        img_enc = {full}
    return img_enc


class EncoderText(nn.Module):
    def __init__(self, vocab_size, word_dim, embed_size, num_layers):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, word_dim)
        self.rnn = nn.GRU(word_dim, embed_size, num_layers, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(self.embed(x))
        return out[:, -1]


class VSE(object):
    def __init__(self, opt):
        self.img_enc = EncoderImage(opt.data_name, opt.img_dim, opt.embed_size, opt.cnn_type)
        self.txt_enc = EncoderText(opt.vocab_size, opt.word_dim, opt.embed_size, opt.num_layers)
        params = list(self.txt_enc.parameters()) + list(self.img_enc.fc.parameters())
        self.optimizer = torch.optim.Adam(params, lr=opt.learning_rate)

    def train_start(self):
        self.img_enc.train()
        self.txt_enc.train()

    def val_start(self):
        self.img_enc.eval()
        self.txt_enc.eval()

    def forward_emb(self, images, captions):
        img_emb = self.img_enc(images)
        cap_emb = self.txt_enc(captions)
        return img_emb, cap_emb

    def train_emb(self, images, captions):
        img_emb, cap_emb = self.forward_emb(images, captions)
        self.optimizer.zero_grad()
        loss = (img_emb - cap_emb).pow(2).sum()
        loss.backward()
        self.optimizer.step()
"""

EVALUATION = """import torch


def encode_data(model, data_loader):
    model.val_start()
    embs = []
    for images, captions in data_loader:
        img_emb, cap_emb = model.forward_emb(images, captions)
        embs.append((img_emb.detach(), cap_emb.detach()))
    return embs
"""

TRAIN = """import torch
from model import VSE
from evaluation import encode_data
from config import opt, train_loader, val_loader


def main():
    model = VSE(opt)
    for epoch in range(opt.num_epochs):
        train(opt, train_loader, model, epoch, val_loader)


def train(opt, train_loader, model, epoch, val_loader):
    model.train_start()
    for i, train_data in enumerate(train_loader):
        model.train_emb(*train_data)
        if i % opt.val_step == 0:
            validate(opt, val_loader, model)


def validate(opt, val_loader, model):
    return encode_data(model, val_loader)


if __name__ == '__main__':
    main()
"""


@pytest.mark.parametrize("full, expected", [
    # (vsepp 7a029d1) the image encoder may be a torchvision CNN (dropout in its classifier): the
    # eval switch of validate() leaks into the rest of the epoch
    ("EncoderImageFull(embed_size, cnn_type)", {("train.py", 18, "DL302")}),
    # both encoders the factory may return are linear, the text encoder embeddings and a GRU
    # without dropout: both modes train the same
    ("EncoderImagePrecomp(img_dim * 2, embed_size)", set()),
])
def test_holder_attribute_from_a_factory(tmp_path, monkeypatch, capsys, full, expected):
    monkeypatch.chdir(tmp_path)
    PROJECT.clear()
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {
        "model.py": MODEL.format(full=full),
        "evaluation.py": EVALUATION,
        "train.py": TRAIN,
    })
    assert lint_findings(capsys, "DL302", "--no-cache", ".") == expected
