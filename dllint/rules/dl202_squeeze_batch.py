"""DL202 squeeze on a batch: ``squeeze()`` without a dimension on a tensor whose first dimension is
the batch.

``squeeze()`` removes *every* dimension of size 1. On a batch of shape ``(b, 1)`` it is meant to drop
the trailing 1, but when ``b`` is 1 (the last batch of an epoch whose size leaves a remainder of one,
or an evaluation loader with ``batch_size=1``) it drops the batch dimension too: the result is 0-d
instead of ``(1,)``. A loss then raises on the size mismatch, or broadcasts silently; ``argmax(1)``
picks along the wrong axis.

What counts as a batch tensor, precisely (``dllint.analysis.batch_tensors``; anything else keeps the
rule silent):

* the input of a module's ``forward`` (its first argument after ``self``: what the model is called
  on), and the leading ``-1`` of ``x.view(-1, ...)`` there;
* the values a ``for`` loop takes from a data loader (a name bound to ``DataLoader(...)``, or an
  iterable whose name says loader: ``train_loader``, ``self.val_dataloader``), through
  ``enumerate``/``tqdm``, including unpacking (``for i, (x, y) in enumerate(loader)``) and items of a
  batch container (``x, y = batch``, ``batch[0]`` when the scope also reads ``batch[1]`` or a
  string key, ``batch["image"]``); the ``batch`` parameter of a ``*_step`` function
  (Lightning's ``training_step(self, batch, batch_idx)``, ignite's ``train_step(engine, batch)``);
* what those become through ``.to(device)``-style conversions, element-wise arithmetic, slicing that
  keeps the first dimension (``x[:, 0]``), and calls of a model on them (``model(x)``,
  ``self.net(x)``): a model maps a batch to a batch;
* a tensor whose known first dimension (shape analysis) is named like a batch size: ``b``, ``B``,
  ``bs``, ``bsz``, ``batch``, ``batch_size``.

Silent for ``squeeze(dim)``, for loaders built with ``batch_size=1`` in the same file (there the
batch dimension is dropped on purpose, every time), for batches of a loader built with
``drop_last=True`` and a batch size never below 2 by what the file shows (every batch is full),
for batches of a loader over a standard dataset split of known size whose constant batch size
leaves no last batch of one (CIFAR-10's 50,000 training images in 512s end with 336; also a loader
a class keeps from its constructor, ``self.loader = loader`` in ``__init__``, when every
construction of the class or of its subclasses across the project passes such a loader; and the
``batch`` of a Lightning ``*_step`` method when every trainer call given an instance of the class
names such a loader for that step, ``trainer.fit(model, val_dataloaders=loader)``),
and in general for batches whose number of rows is fixed by construction (``BatchTensors.rows``):
two or more (such full batches, rows drawn by an index of a constant count or a minibatch slice of
a fixed-size rollout, a buffer stacked every ``k`` steps of a counter stepped with an append; never
one: a concatenation of parts that come in pairs of equal rows, such as the positive and the
negative pair each pass of a loop appends for a relation head) or one
observation given a batch axis by ``unsqueeze(0)``, also through the arguments of every call that
reaches a function (a module's ``forward``: the calls of its instances); for squeezes whose
result is converted for display (``.numpy()``, ``.tolist()``, ``.item()``), for squeezes whose
result is only used where its shape cannot matter (``BatchTensors``' ``shape_agnostic_use``: a
``bce(v, torch.ones_like(v))`` reduced to one number, ``v.mean()``; or, through element-wise
methods and reductions over a negative axis, only written into a tensor the code made,
``tgt[:, j] = p.squeeze().argmax(-1)``: a write strips leading axes of size one), and for numpy
(``np.squeeze``).
"""
from __future__ import annotations

import libcst as cst

from dllint.analysis.batch_tensors import (BatchTensors, bare_squeeze_subject, converted_for_display,
                                          shape_agnostic_use)
from dllint.analysis.calls import code_text
from dllint.context import FileContext
from dllint.rule import Rule


class SqueezeBatch(Rule):
    """``squeeze()`` without a dimension on a batch tensor: a batch of one loses its batch
    dimension and later broadcasts or fails."""

    code = "DL202"
    name = "squeeze-batch"
    summary = ("squeeze() without a dimension on a batch tensor drops the batch dimension when "
               "the batch has one sample.")
    severity = "warning"

    VALID = [
        # (fourteenth audit DV) greedy decoding writes the argmax over the classes of the squeezed
        # (bs, 1, classes) scores into a batch column of a tensor it made: for a batch of one the
        # 0-d index is written into the (1,) column, the same as the unsqueezed (1,) would be
        """import torch
import torch.nn as nn


class GreedyDecoder(nn.Module):
    def __init__(self, dim=32, classes=95, steps=8):
        super().__init__()
        self.embed = nn.Embedding(classes, dim)
        self.head = nn.Linear(dim, classes)
        self.steps = steps

    def forward(self, memory):
        bs = memory.shape[0]
        tgt_in = torch.zeros(bs, self.steps, dtype=torch.long)
        logits = []
        for i in range(self.steps - 1):
            p_i = self.head(memory + self.embed(tgt_in[:, i])).unsqueeze(1)
            logits.append(p_i)
            tgt_in[:, i + 1] = p_i.squeeze().argmax(-1)
        return torch.cat(logits, dim=1)
""",
        # The same decoder naming the dimension.
        "import torch\nfrom torch import nn\n"
        "class LinearNorm(nn.Module):\n"
        "    def __init__(self, in_dim, out_dim):\n"
        "        super().__init__()\n"
        "        self.linear_layer = nn.Linear(in_dim, out_dim)\n"
        "    def forward(self, x):\n"
        "        return self.linear_layer(x)\n"
        "class Decoder(nn.Module):\n"
        "    def __init__(self, dim):\n"
        "        super().__init__()\n"
        "        self.proj = LinearNorm(dim, 80)\n"
        "        self.gate_layer = LinearNorm(dim, 1)\n"
        "    def decode(self, h):\n"
        "        return self.proj(h), self.gate_layer(h)\n"
        "    def forward(self, h):\n"
        "        mel, gate = self.decode(h)\n"
        "        return mel, gate.squeeze(1)\n",
        # A model of one output applied to a whole data set, as a notebook does: its first
        # dimension is the data set's size, not a batch.
        "import torch\nfrom torch import nn\n"
        "class CircleModel(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layer_1 = nn.Linear(2, 5)\n"
        "        self.layer_2 = nn.Linear(5, 1)\n"
        "    def forward(self, x):\n"
        "        return self.layer_2(self.layer_1(x))\n"
        "model_0 = CircleModel()\n"
        "y_logits = model_0(X_test).squeeze()\n",
        # A layer applied to a fixed table in __init__ is no batch.
        "import torch\nimport torch.nn as nn\n"
        "class Prior(nn.Module):\n"
        "    def __init__(self, n):\n"
        "        super().__init__()\n"
        "        self.score = nn.Linear(8, 1)\n"
        "        self.register_buffer('p', self.score(torch.eye(8)).squeeze().detach())\n",
        # A forward that names the dimensions it drops, or flattens from the second.
        "import torch\n"
        "from torch import nn\n"
        "class Net(nn.Module):\n"
        "    def forward(self, x):\n"
        "        x = self.pool(self.backbone(x))\n"
        "        g = x.view(-1, 1, 1, 3)[:, 0, 0, :]\n"
        "        return self.fc(torch.flatten(x, 1)) + x.squeeze(-1).squeeze(-1)\n",
        # forward of a class that is no nn.Module: nothing says its argument is a batch.
        "import torch\n"
        "class Featurizer:\n"
        "    def forward(self, image):\n"
        "        return image.squeeze()\n",
        # A dimension is given: only the trailing singleton goes.
        "import torch\n"
        "def train(model, train_loader, criterion):\n"
        "    for x, y in train_loader:\n"
        "        out = model(x).squeeze(1)\n"
        "        loss = criterion(out, y)\n",
        # Known shape without a batch dimension.
        "import torch\n"
        "kernel = torch.randn(1, 3, 1)\n"
        "k = kernel.squeeze()\n",
        # numpy is out of scope.
        "import numpy as np\n"
        "import torch\n"
        "def show(loader):\n"
        "    for images, labels in loader:\n"
        "        img = np.squeeze(images.numpy())\n",
        # Converted for display: a squeezed value that is printed or plotted.
        "import torch\n"
        "def show(model, test_loader):\n"
        "    for x, _ in test_loader:\n"
        "        print(model(x).squeeze().tolist())\n"
        "        arr = x.squeeze().cpu().numpy()\n",
        # drop_last=True with a batch size of 2 or more (a literal, or one supplied from outside the
        # file): every batch is full, a batch of one never comes at the end of an epoch.
        "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
        "class Model:\n"
        "    def fit(self, X, y):\n"
        "        train_loader = DataLoader(TensorDataset(X, y), batch_size=self.args.batch_size,\n"
        "                                  shuffle=True, drop_last=True)\n"
        "        for i, (batch_X, batch_y) in enumerate(train_loader):\n"
        "            y_hat = self.model(batch_X.to(self.device))\n"
        "            y_hat = y_hat.squeeze()\n"
        "    def pretrain(self, X):\n"
        "        train_loader = DataLoader(TensorDataset(X), batch_size=self.args.batch_size)\n"
        "        for (batch_X,) in train_loader:\n"
        "            self.model(batch_X)\n",
        "import torch\nfrom torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, batch_size=128, shuffle=True, drop_last=True)\n"
        "for batch in loader:\n"
        "    x, y = batch\n"
        "    loss = loss_func(model(x).squeeze(), y)\n",
        # A loader with batch_size=1: the batch dimension is dropped on purpose, every time.
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "def predict(model, dataset):\n"
        "    loader = DataLoader(dataset, batch_size=1)\n"
        "    for x in loader:\n"
        "        yield model(x).squeeze()\n",
        # A single item of a dataset is not a batch.
        "import torch\n"
        "class Data(torch.utils.data.Dataset):\n"
        "    def __getitem__(self, i):\n"
        "        enc = self.tokenizer(self.texts[i], return_tensors='pt')\n"
        "        return enc['input_ids'].squeeze()\n",
        # A reduction of the batch is no longer a batch.
        "import torch\n"
        "def evaluate(model, val_loader):\n"
        "    for x, y in val_loader:\n"
        "        loss = (model(x) - y).pow(2).mean(0)\n"
        "        total = loss.squeeze()\n",
        # Not torch code at all.
        "def f(loader):\n"
        "    for x in loader:\n"
        "        x.squeeze()\n",
        # A loader of plain tensors: x[0] is the first sample; and a squeeze made for a plot.
        "import torch\n"
        "import matplotlib.pyplot as plt\n"
        "def show(test_loader):\n"
        "    for x in test_loader:\n"
        "        first = x[0].squeeze()\n"
        "        plt.imshow(x.squeeze(), cmap='gray')\n",
        # The first index picks a sample out of the batch.
        "import torch\n"
        "def first(model, loader):\n"
        "    for x, y in loader:\n"
        "        sample = x[0]\n"
        "        return sample.squeeze()\n",
        # A model of the notebook called on the whole test tensor, not on a loader's batch.
        "import torch\nfrom torch import nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n"
        "    def forward(self, x):\n"
        "        return self.classifier(x)\n"
        "model = Net()\n"
        "X_test = torch.randn(10000, 784)\n"
        "logits = model(X_test)\n"
        "probs = torch.softmax(logits.squeeze(), dim=1)\n",
        # An inline loader of the default batch size 1: every item is one sample, on purpose.
        "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
        "model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n"
        "for X, y in DataLoader(test_data):\n"
        "    y_logit = model(X)\n"
        "    label = torch.softmax(y_logit.squeeze(), dim=0).argmax()\n",
        # The same model on one sample of a loader named like one but built with batch_size=1.
        "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(784, 10)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x.flatten(1))\n"
        "model = Net()\n"
        "sample_loader = DataLoader(test_data, batch_size=1)\n"
        "for X, y in sample_loader:\n"
        "    pred = model(X).squeeze().argmax()\n",
        # PPO minibatches of a fixed-size rollout: 2048 // 32 = 64 rows each, the last one too.
        "import random\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.utils.data import BatchSampler, SubsetRandomSampler\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "rollout = 2048\nminibatch = int(rollout // 32)\n"
        "def train(s, target):\n"
        "    inds = np.arange(rollout)\n"
        "    for epoch in range(10):\n"
        "        np.random.shuffle(inds)\n"
        "        for start in range(0, rollout, minibatch):\n"
        "            end = start + minibatch\n"
        "            idx = inds[start:end]\n"
        "            bs, bt = s[idx], target[idx]\n"
        "            loss = ((q_net(bs).squeeze() - bt) ** 2).mean()\n",
        # Rows drawn from a replay buffer by a literal number of indices, or by a BatchSampler of
        # a literal size that drops its last batch: never a batch of one.
        "import random\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.utils.data import BatchSampler, SubsetRandomSampler\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "def replay(s, memory):\n"
        "    idx = np.random.choice(len(memory), 64)\n"
        "    q1 = q_net(s[idx].to('cuda')).squeeze()\n"
        "    picks = random.sample(range(len(memory)), k=32)\n"
        "    q2 = q_net(s[picks]).squeeze()\n"
        "    rows = torch.randint(0, len(memory), (32,))\n"
        "    q3 = torch.sigmoid(q_net(s[rows])).squeeze()\n"
        "    for b in BatchSampler(SubsetRandomSampler(range(len(memory))), 16, drop_last=True):\n"
        "        q4 = q_net(s[b]).squeeze()\n",
        # One observation given a batch axis when acting: a batch of one every time, dropped on
        # purpose.
        "import random\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.utils.data import BatchSampler, SubsetRandomSampler\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "def act(state):\n"
        "    a = q_net(torch.FloatTensor(state).unsqueeze(0)).squeeze()\n"
        "    b = q_net(torch.from_numpy(state).float()[None]).squeeze()\n"
        "    x = torch.tensor(state).reshape(1, -1)\n"
        "    return a, b, q_net(x).squeeze()\n",
        # An actor's forward reached by two calls only: one observation given a batch axis when
        # acting (its batch dimension dropped on purpose) and minibatches of 2048 // 32 = 64 rows
        # of a 2048-step rollout in training; the module held by an attribute, moved to a device,
        # its parameters read.
        "import numpy as np\nimport torch\nfrom torch import nn\n"
        "batch_size = 2048\nmini_batch = int(batch_size // 32)\n"
        "class Actor(nn.Module):\n"
        "    def __init__(self, n, a):\n"
        "        super().__init__()\n"
        "        self.mean = nn.Linear(n, a)\n"
        "    def forward(self, x):\n"
        "        return self.mean(x).squeeze()\n"
        "class Agent:\n"
        "    def __init__(self):\n"
        "        self.actor = Actor(8, 2).to('cpu')\n"
        "        self.opt = torch.optim.Adam(self.actor.parameters())\n"
        "    def pi(self, x):\n"
        "        return self.actor(x)\n"
        "    def value_and_action(self, x, action=None):\n"
        "        return self.pi(x)\n"
        "    def train(self, s):\n"
        "        b_inds = np.arange(batch_size)\n"
        "        for start in range(0, batch_size, mini_batch):\n"
        "            end = start + mini_batch\n"
        "            idx = b_inds[start:end]\n"
        "            self.value_and_action(s[idx], action=None)\n"
        "agent = Agent()\n"
        "def act(s):\n"
        "    return agent.value_and_action(torch.from_numpy(s).float().unsqueeze(0))\n",
        # PPO's whole memory, evaluated every 500 steps: a counter stepped once per step with an
        # append of the state (in a method the memory is handed to), the memory emptied only
        # right after its use with the counter reset: 500 rows, also squeezed on the way.
        "import torch\n"
        "from torch import nn\n"
        "class Memory:\n"
        "    def __init__(self):\n"
        "        self.states = []\n"
        "        self.rewards = []\n"
        "    def clear(self):\n"
        "        del self.states[:]\n"
        "        del self.rewards[:]\n"
        "class ActorCritic(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.actor = nn.Linear(8, 2)\n"
        "        self.critic = nn.Linear(8, 1)\n"
        "    def act(self, state, memory):\n"
        "        memory.states.append(state)\n"
        "        return self.actor(state)\n"
        "    def evaluate(self, state):\n"
        "        return torch.squeeze(self.actor(state)), self.critic(state).squeeze()\n"
        "class PPO:\n"
        "    def __init__(self):\n"
        "        self.policy = ActorCritic()\n"
        "    def select_action(self, state, memory):\n"
        "        return self.policy.act(torch.FloatTensor(state.reshape(1, -1)), memory)\n"
        "    def update(self, memory):\n"
        "        old_states = torch.squeeze(torch.stack(memory.states)).detach()\n"
        "        return self.policy.evaluate(old_states)\n"
        "def main(env):\n"
        "    update_timestep = 500\n"
        "    memory = Memory()\n"
        "    ppo = PPO()\n"
        "    time_step = 0\n"
        "    for episode in range(100):\n"
        "        state = env.reset()\n"
        "        for t in range(300):\n"
        "            time_step += 1\n"
        "            action = ppo.select_action(state, memory)\n"
        "            state, reward, done, _ = env.step(action)\n"
        "            memory.rewards.append(reward)\n"
        "            if time_step % update_timestep == 0:\n"
        "                ppo.update(memory)\n"
        "                memory.clear()\n"
        "                time_step = 0\n"
        "            if done:\n"
        "                break\n",
        # A draw of the size a method's calls give it: its default, or the same constant.
        "import numpy as np\n"
        "import torch\n"
        "from torch import nn\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "class Agent:\n"
        "    def replay(self, s, batch_size=64):\n"
        "        idx = np.random.choice(len(s), batch_size)\n"
        "        return q_net(s[idx]).squeeze()\n"
        "agent = Agent()\n"
        "def train(s):\n"
        "    agent.replay(s)\n"
        "    agent.replay(s, batch_size=64)\n",
        # A plain list of states stacked every 64 steps.
        "import torch\n"
        "from torch import nn\n"
        "class Critic(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.v = nn.Linear(4, 1)\n"
        "    def ok(self, states):\n"
        "        return self.v(states).squeeze()\n"
        "critic = Critic()\n"
        "def collect(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "        states.append(env.step())\n"
        "        if n % 64 == 0:\n"
        "            critic.ok(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n",
        # Loaders over standard splits of known size in batches of a constant size whose
        # remainder is not one: CIFAR-10's 50,000 training images in 512s end with 336, MNIST's
        # 10,000 test images in 128s (a name) with 16, SVHN's 26,032 test images in one batch of
        # all of them; also through enumerate/tqdm, `x, y = batch`, and a helper's loader
        # parameter that every call of the file passes such a loader.
        "import torch\nimport torch.nn as nn\nimport torchvision\nfrom tqdm import tqdm\n"
        "from torch.utils.data import DataLoader\n"
        "from torchvision import datasets, transforms\n"
        "dataset = torchvision.datasets.CIFAR10(root='data', train=True, download=True,\n"
        "                                       transform=transforms.ToTensor())\n"
        "loader = torch.utils.data.DataLoader(dataset, batch_size=512, shuffle=False, drop_last=False)\n"
        "backbone = nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))\n"
        "bs = 128\n"
        "test_loader = DataLoader(datasets.MNIST('data', train=False), bs, num_workers=2)\n"
        "svhn_loader = DataLoader(datasets.SVHN('data', split='test'), batch_size=30000)\n"
        "def bank():\n"
        "    for img, target in loader:\n"
        "        feature = backbone(img).squeeze()\n"
        "    for i, batch in enumerate(tqdm(svhn_loader)):\n"
        "        x, y = batch\n"
        "        feature = backbone(x.cuda()).squeeze()\n"
        "def evaluate(model, eval_loader):\n"
        "    for x, y in eval_loader:\n"
        "        out = model(x).squeeze()\n"
        "evaluate(backbone, test_loader)\n"
        "evaluate(backbone, loader)\n",
        # A TensorDataset of 1,000 rows in batches of 64: the last has 40.
        "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader, TensorDataset\n"
        "X = torch.randn(1000, 8)\n"
        "ds = TensorDataset(X, torch.randint(0, 2, (1000,)).float())\n"
        "loader = DataLoader(ds, batch_size=64, shuffle=True)\n"
        "model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())\n"
        "criterion = nn.BCELoss()\n"
        "for images, targets in loader:\n"
        "    loss = criterion(model(images).squeeze(), targets)\n",
        # A consistency loss of a squeezed similarity against ones of its own shape, reduced to
        # one number: a batch of one gives a 0-d similarity and a 0-d target, the same loss.
        "import torch\nfrom torch import nn\n"
        "class ConsistencyLoss(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.softmax = nn.Softmax(dim=1)\n"
        "        self.bce = nn.BCELoss()\n"
        "    def forward(self, anchors, neighbors):\n"
        "        b, n = anchors.size()\n"
        "        p, q = self.softmax(anchors), self.softmax(neighbors)\n"
        "        similarity = torch.bmm(p.view(b, 1, n), q.view(b, n, 1)).squeeze()\n"
        "        ones = torch.ones_like(similarity)\n"
        "        return self.bce(similarity, ones), similarity.mean()\n"
        "def margin(model, loader):\n"
        "    for x, y in loader:\n"
        "        s = model(x).squeeze()\n"
        "        loss = nn.functional.mse_loss(s, torch.zeros_like(s)) + torch.sum(s)\n",
        # Scores of pairs built from a batch: each pass appends a positive and a negative pair of
        # the same rows, so the concatenation has an even number of rows, never one; a method
        # returns it in a tuple. Likewise a batch concatenated with a flipped copy of itself.
        "import torch\nfrom torch import nn\n"
        "class Relational(nn.Module):\n"
        "    def __init__(self, backbone):\n"
        "        super().__init__()\n"
        "        self.backbone = backbone\n"
        "        self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))\n"
        "    def aggregate(self, features, k):\n"
        "        pairs, targets = [], []\n"
        "        size = int(features.shape[0] / k)\n"
        "        for i1 in range(0, size * k, size):\n"
        "            for i2 in range(i1 + size, size * k, size):\n"
        "                positive = torch.cat([features[i1:i1 + size], features[i2:i2 + size]], 1)\n"
        "                pairs.append(positive)\n"
        "                pairs.append(torch.cat([features[i1:i1 + size],\n"
        "                                        torch.roll(features[i2:i2 + size], 1, 0)], 1))\n"
        "                targets.append(torch.ones(size))\n"
        "                targets.append(torch.zeros(size))\n"
        "        return torch.cat(pairs, 0), torch.cat(targets, 0)\n"
        "    def fit(self, loader, optimizer):\n"
        "        for views, _ in loader:\n"
        "            features = self.backbone(torch.cat(views, 0))\n"
        "            relation_pairs, targets = self.aggregate(features, len(views))\n"
        "            score = self.head(relation_pairs).squeeze()\n"
        "            loss = nn.functional.binary_cross_entropy_with_logits(score, targets)\n"
        "            both = self.head(torch.cat([features, features.flip(1)])).squeeze()\n"
        "            twice = self.head(torch.cat([self.backbone(views[0]), self.backbone(views[0])])).squeeze()\n",
    ]

    INVALID = [
        # (fourteenth audit DV, the twins) the argmax over a positive axis: for a batch of one the
        # squeezed scores have no axis 1 (an IndexError)
        """import torch
import torch.nn as nn


class GreedyDecoder(nn.Module):
    def __init__(self, dim=32, classes=95, steps=8):
        super().__init__()
        self.embed = nn.Embedding(classes, dim)
        self.head = nn.Linear(dim, classes)
        self.steps = steps

    def forward(self, memory):
        bs = memory.shape[0]
        tgt_in = torch.zeros(bs, self.steps, dtype=torch.long)
        logits = []
        for i in range(self.steps - 1):
            p_i = self.head(memory + self.embed(tgt_in[:, i])).unsqueeze(1)
            logits.append(p_i)
            tgt_in[:, i + 1] = p_i.squeeze().argmax(1)  # expect: DL202
        return torch.cat(logits, dim=1)
""",
        # the index written into a list: a 0-d tensor instead of a (1,) one
        """import torch
import torch.nn as nn


class GreedyDecoder(nn.Module):
    def __init__(self, dim=32, classes=95, steps=8):
        super().__init__()
        self.embed = nn.Embedding(classes, dim)
        self.head = nn.Linear(dim, classes)
        self.steps = steps

    def forward(self, memory):
        bs = memory.shape[0]
        tgt_in = torch.zeros(bs, self.steps, dtype=torch.long)
        tokens = [None] * self.steps
        logits = []
        for i in range(self.steps - 1):
            p_i = self.head(memory + self.embed(tgt_in[:, i])).unsqueeze(1)
            logits.append(p_i)
            tokens[i + 1] = p_i.squeeze().argmax(-1)  # expect: DL202
        return torch.cat(logits, dim=1)
""",
        # Concatenations whose parts do not come in pairs of equal rows: two slices of different
        # widths, a pass that may skip its second append, one append a pass, a width rebound
        # between the two appends, a list another function may shrink.
        "import torch\nfrom torch import nn\n"
        "class Pairs(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.head = nn.Linear(16, 1)\n"
        "    def widths(self, features, k, w):\n"
        "        parts = []\n"
        "        for i in range(0, k * w, w):\n"
        "            parts.append(features[i:i + w])\n"
        "            parts.append(features[i:i + 2 * w])\n"
        "        return self.head(torch.cat(parts, 0)).squeeze()  # expect: DL202\n"
        "    def skipped(self, features, k, w):\n"
        "        parts = []\n"
        "        for i in range(0, k * w, w):\n"
        "            parts.append(features[i:i + w])\n"
        "            if i > 3:\n"
        "                continue\n"
        "            parts.append(features[i:i + w])\n"
        "        return self.head(torch.cat(parts, 0)).squeeze()  # expect: DL202\n"
        "    def single(self, features, k, w):\n"
        "        parts = list()\n"
        "        for i in range(0, k * w, w):\n"
        "            parts.append(features[i:i + w])\n"
        "        return self.head(torch.cat(parts, 0)).squeeze()  # expect: DL202\n"
        "    def rebound(self, features, k, w):\n"
        "        parts = []\n"
        "        for i in range(0, k * w, w):\n"
        "            parts.append(features[i:i + w])\n"
        "            w = w - 1\n"
        "            parts.append(features[i:i + w])\n"
        "        return self.head(torch.cat(parts, 0)).squeeze()  # expect: DL202\n"
        "    def handed(self, features, k, w):\n"
        "        parts = []\n"
        "        for i in range(0, k * w, w):\n"
        "            parts.append(features[i:i + w])\n"
        "            parts.append(features[i:i + w])\n"
        "        trim(parts)\n"
        "        return self.head(torch.cat(parts, 0)).squeeze()  # expect: DL202\n"
        "    def forward(self, x):\n"
        "        return self.head(torch.cat([x, x[1:]])).squeeze()  # expect: DL202\n"
        "    def two_models(self, x):\n"
        "        return self.head(torch.cat([self.enc(x), self.pool(x)])).squeeze()  # expect: DL202\n",
        # Loaders over a dataset of known size whose batches may still be of one: 10,000 MNIST
        # test images in 99s leave one, as 1,025 rows of a TensorDataset in 64s do; a sampler (a DistributedSampler gives each process a
        # share), a collate_fn (it may drop samples), a batch size given from outside, a split
        # chosen by a variable, a Subset, a loader of another library; a helper's loader
        # parameter that one call passes a loader of unknown size, or that no call shows where
        # the helper makes its own loader only when given none.
        "import torch\nimport torch.nn as nn\n"
        "from torch.utils.data import DataLoader, Subset, TensorDataset\n"
        "from torch.utils.data.distributed import DistributedSampler\n"
        "from torchvision import datasets\n"
        "from torch_geometric.loader import DataLoader as GraphLoader\n"
        "backbone = nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))\n"
        "test = datasets.MNIST('data', train=False)\n"
        "def run(args, flag, collate, other_loader):\n"
        "    for x, y in DataLoader(test, batch_size=99):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(test, batch_size=512, sampler=DistributedSampler(test)):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(test, batch_size=512, collate_fn=collate):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(test, batch_size=args.batch_size):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(datasets.MNIST('data', train=flag), batch_size=512):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(Subset(test, range(5121)), batch_size=512):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    for x, y in GraphLoader(test, batch_size=512):\n"
        "        a = backbone(x).squeeze()  # expect: DL202\n"
        "    evaluate(backbone, other_loader)\n"
        "    evaluate(backbone, DataLoader(test, batch_size=512))\n"
        "def evaluate(model, eval_loader):\n"
        "    for x, y in eval_loader:\n"
        "        out = model(x).squeeze()  # expect: DL202\n"
        "def tensors(model):\n"
        "    ds = TensorDataset(torch.randn(1025, 8), torch.rand(1025))\n"
        "    for x, y in DataLoader(ds, batch_size=64, shuffle=True):\n"
        "        a = model(x).squeeze()  # expect: DL202\n"
        "    for x, y in DataLoader(TensorDataset(torch.from_numpy(x_np)), batch_size=64):\n"
        "        a = model(x).squeeze()  # expect: DL202\n"
        "def score(model, score_loader=None):\n"
        "    if score_loader is None:\n"
        "        score_loader = DataLoader(test, batch_size=512)\n"
        "    for x, y in score_loader:\n"
        "        out = model(x).squeeze()  # expect: DL202\n",
        # drop_last=True, but the batch size may be 1 (a default of 1, a parameter nobody passes),
        # or the batch comes from another loader (no drop_last) in the same loop
        "import torch\nimport argparse\nfrom torch.utils.data import DataLoader\n"
        "p = argparse.ArgumentParser()\np.add_argument('--bs', type=int, default=1)\nargs = p.parse_args()\n"
        "loader = DataLoader(ds, batch_size=args.bs, drop_last=True)\n"
        "for x, y in loader:\n"
        "    out = model(x).squeeze()  # expect: DL202\n",
        "import torch\nfrom torch.utils.data import DataLoader\n"
        "def fit(model, ds, bs):\n"
        "    for x, y in DataLoader(ds, batch_size=bs, drop_last=True):\n"
        "        out = model(x).squeeze()  # expect: DL202\n",
        "import torch\nfrom torch.utils.data import DataLoader\n"
        "def fit(model, ds, unlabelled):\n"
        "    loader = DataLoader(ds, batch_size=64, drop_last=True)\n"
        "    other = DataLoader(unlabelled, batch_size=64)\n"
        "    for (x, y), u in zip(loader, other):\n"
        "        a = model(x)\n"
        "    for x, y in loader:\n"
        "        for u in other:\n"
        "            b = model(u).squeeze()  # expect: DL202\n"
        "            c = (model(x) + model(u)).squeeze()  # expect: DL202\n"
        "            d = model(x).squeeze()\n",
        # A model of the notebook (the shapes know its output's rank) called on a loader's batch:
        # the output's first dimension is that batch.
        "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n"
        "    def forward(self, x):\n"
        "        return self.classifier(x)\n"
        "model = Net()\n"
        "test_dataloader = DataLoader(test_data, batch_size=32)\n"
        "for X, y in test_dataloader:\n"
        "    y_logit = model(X)\n"
        "    y_pred = torch.softmax(y_logit.squeeze(), dim=1).argmax(dim=1)  # expect: DL202\n",
        # The notebook's own lines: tqdm, and the batch moved to the device by a tuple assignment.
        "import torch\nfrom torch import nn\nfrom tqdm.auto import tqdm\n"
        "class TinyVGG(nn.Module):\n"
        "    def __init__(self, hidden, classes):\n"
        "        super().__init__()\n"
        "        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(hidden * 49, classes))\n"
        "    def forward(self, x):\n"
        "        return self.classifier(x)\n"
        "model_2 = TinyVGG(10, 10).to(device)\n"
        "test_dataloader = torch.utils.data.DataLoader(test_data, batch_size=32)\n"
        "with torch.inference_mode():\n"
        "    for X, y in tqdm(test_dataloader, desc='Making predictions'):\n"
        "        X, y = X.to(device), y.to(device)\n"
        "        y_logit = model_2(X)\n"
        "        y_pred = torch.softmax(y_logit.squeeze(), dim=0).argmax(dim=1)  # expect: DL202\n",
        # The loader written inline, the model loaded (its output unknown) or of the file.
        "import torch\nfrom torch import nn\nfrom torch.utils.data import DataLoader\n"
        "model = torch.load('m.pt')\n"
        "for X, y in DataLoader(test_data, batch_size=32):\n"
        "    y_logit = model(X)\n"
        "    y_pred = torch.softmax(y_logit.squeeze(), dim=1)  # expect: DL202\n"
        "head = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1))\n"
        "for i, batch in enumerate(DataLoader(pairs, 64, shuffle=True)):\n"
        "    x, y = batch\n"
        "    out = head(x.to('cuda')).squeeze()  # expect: DL202\n",
        # A Trainer function: items of a (inputs, labels) container moved to the device.
        "import torch\nfrom torch import nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(32, 1)\n"
        "    def forward(self, x):\n"
        "        return torch.sigmoid(self.fc(x))\n"
        "def evaluate(net, test_loader, device):\n"
        "    for data in test_loader:\n"
        "        inputs, labels = data[0].to(device), data[1].to(device)\n"
        "        scores = Net()(inputs).squeeze()  # expect: DL202\n",
        # A model's forward: its input is a batch, and so is what its layers make of it.
        "import torch\n"
        "from torch import nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, backbone):\n"
        "        super().__init__()\n"
        "        self.backbone = backbone\n"
        "        self.pool = nn.AdaptiveAvgPool2d((1, 1))\n"
        "        self.classifier = nn.Linear(2048, 10)\n"
        "    def forward(self, x):\n"
        "        x = self.pool(self.backbone(x))\n"
        "        x = torch.squeeze(x)  # expect: DL202\n"
        "        return self.classifier(x)\n",
        # A decoder's head: x.view(-1, k, 1, 3) in forward leads with the batch.
        "import torch\n"
        "from torch import nn\n"
        "class Head(nn.Module):\n"
        "    def forward(self, features):\n"
        "        out = features[-1].mean(3).mean(2)\n"
        "        g = 0.01 * out.view(-1, 1, 1, 3)\n"
        "        return g.squeeze()  # expect: DL202\n",
        # The pattern: model output (b, 1) squeezed before a BCE loss.
        "import torch\n"
        "from torch import nn\n"
        "def train(model, train_loader, optimizer):\n"
        "    criterion = nn.BCELoss()\n"
        "    for batch_idx, (a, b, target) in enumerate(train_loader):\n"
        "        a, b, target = a.to('cuda'), b.to('cuda'), target.to('cuda')\n"
        "        out = model(a, b).squeeze()  # expect: DL202\n"
        "        loss = criterion(out, target)\n",
        # Script: a DataLoader bound in the file, targets squeezed.
        "import torch\n"
        "from torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds, batch_size=64, shuffle=True)\n"
        "for xb, yb in loader:\n"
        "    pred = net(xb)\n"
        "    loss = ((pred.squeeze() - yb) ** 2).mean()  # expect: DL202\n",
        # A batch container unpacked inside the loop, in a trainer class.
        "import torch\n"
        "class Trainer:\n"
        "    def fit(self):\n"
        "        for batch in self.train_loader:\n"
        "            x, y = batch\n"
        "            logits = self.model(x.cuda())\n"
        "            probs = torch.sigmoid(logits).squeeze()  # expect: DL202\n",
        # A Lightning step receives a loader's batch.
        "import torch\n"
        "import lightning as L\n"
        "class Model(L.LightningModule):\n"
        "    def validation_step(self, batch, batch_idx):\n"
        "        x, y = batch\n"
        "        y_hat = self(x).squeeze()  # expect: DL202\n"
        "        self.log('val_loss', self.loss(y_hat, y))\n",
        # Items of a dict batch.
        "import torch\n"
        "def step(model, dataloader):\n"
        "    for batch in dataloader:\n"
        "        mask = batch['mask'].squeeze()  # expect: DL202\n"
        "        out = model(batch['x'])\n",
        # A known shape whose first dimension is the batch size.
        "import torch\n"
        "def head(h):\n"
        "    B, T, C = h.shape\n"
        "    last = h[:, -1:, :]\n"
        "    return h.squeeze()  # expect: DL202\n",
        # Through tqdm and enumerate, notebook style.
        "import torch\n"
        "from tqdm import tqdm\n"
        "for i, (images, labels) in enumerate(tqdm(val_loader)):\n"
        "    scores = model(images)\n"
        "    preds = (scores > 0).float().squeeze()  # expect: DL202\n",
        # torch.squeeze(x) function form.
        "import torch\n"
        "def run(model, test_loader):\n"
        "    for data, target in test_loader:\n"
        "        output = model(data)\n"
        "        output = torch.squeeze(output)  # expect: DL202\n",
        # A constructor with a batch-size first dimension.
        "import torch\n"
        "def noise(batch_size, dim):\n"
        "    z = torch.randn(batch_size, dim, 1, 1)\n"
        "    return z.squeeze()  # expect: DL202\n",
        # In place, on the labels of a batch.
        "import torch\n"
        "def fit(model, loader, loss_fn):\n"
        "    for step, (x, y) in enumerate(loader):\n"
        "        y.squeeze_()  # expect: DL202\n"
        "        loss = loss_fn(model(x), y)\n",
        # Slicing that keeps the batch dimension.
        "import torch\n"
        "def train(model, train_loader):\n"
        "    for x, y in train_loader:\n"
        "        out = model(x)\n"
        "        first = out[:, :1].squeeze()  # expect: DL202\n",
        # A decoder step returns a tuple; its gate comes from a project layer class built with
        # one output feature, applied inside the module's methods: a (batch, 1) gate.
        "import torch\nfrom torch import nn\n"
        "class LinearNorm(nn.Module):\n"
        "    def __init__(self, in_dim, out_dim, bias=True):\n"
        "        super().__init__()\n"
        "        self.linear_layer = nn.Linear(in_dim, out_dim, bias=bias)\n"
        "    def forward(self, x):\n"
        "        return self.linear_layer(x)\n"
        "class Decoder(nn.Module):\n"
        "    def __init__(self, dim):\n"
        "        super().__init__()\n"
        "        self.proj = LinearNorm(dim, 80)\n"
        "        self.gate_layer = LinearNorm(dim, 1, bias=True)\n"
        "    def decode(self, h):\n"
        "        return self.proj(h), self.gate_layer(h)\n"
        "    def forward(self, inputs):\n"
        "        gates = []\n"
        "        for h in inputs:\n"
        "            mel, gate = self.decode(h)\n"
        "            gates += [gate.squeeze()]  # expect: DL202\n"
        "        return torch.stack(gates)\n",
        # An output layer in a nested function of forward.
        "import torch.nn as nn\n"
        "class Reader(nn.Module):\n"
        "    def __init__(self, d):\n"
        "        super().__init__()\n"
        "        self.start = nn.Linear(d, 1)\n"
        "    def forward(self, g):\n"
        "        def output_layer(h):\n"
        "            return self.start(h).squeeze()  # expect: DL202\n"
        "        return output_layer(g)\n",
        # Minibatches whose size is not fixed: a last slice of one row (1025 = 16 * 64 + 1), a
        # buffer or a range of unknown length, a size from a variable, a draw of one, a
        # BatchSampler that keeps its last batch; an axis added to a batch, or not in front.
        "import random\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.utils.data import BatchSampler, SubsetRandomSampler\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "def train(s, batch_size, n, val_loader):\n"
        "    inds = np.arange(1025)\n"
        "    for start in range(0, 1025, 64):\n"
        "        idx = inds[start:start + 64]\n"
        "        p = q_net(s[idx]).squeeze()  # expect: DL202\n"
        "    for start in range(0, len(s), 64):\n"
        "        p = q_net(s[start:start + 64]).squeeze()  # expect: DL202\n"
        "    for i in range(0, n, 64):\n"
        "        p = q_net(s[inds[i:i + 64]]).squeeze()  # expect: DL202\n"
        "    idx = np.random.choice(len(s), batch_size)\n"
        "    p = q_net(s[idx]).squeeze()  # expect: DL202\n"
        "    one = np.random.choice(len(s), 1)\n"
        "    p = q_net(s[one]).squeeze()  # expect: DL202\n"
        "    for b in BatchSampler(SubsetRandomSampler(range(len(s))), 16, drop_last=False):\n"
        "        p = q_net(s[b]).squeeze()  # expect: DL202\n"
        "    p = q_net(torch.FloatTensor(s).unsqueeze(1)).squeeze()  # expect: DL202\n"
        "    for x, y in val_loader:\n"
        "        p = q_net(x.unsqueeze(0)).squeeze()  # expect: DL202\n",
        # The forward's calls are not all known or not all of a fixed row count: a loader's batch
        # in one of them; a copy of the module (its calls unseen); a call that unpacks its
        # arguments; a method whose name is used as a value.
        "import copy\nimport torch\nfrom torch import nn\n"
        "class Actor(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.mean = nn.Linear(8, 2)\n"
        "    def forward(self, x):\n"
        "        return self.mean(x).squeeze()  # expect: DL202\n"
        "class Critic(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.v = nn.Linear(8, 1)\n"
        "    def forward(self, x):\n"
        "        return self.v(x).squeeze()  # expect: DL202\n"
        "actor = Actor()\ncritic = Critic()\ntarget_critic = copy.deepcopy(critic)\n"
        "def act(s):\n"
        "    one = torch.from_numpy(s).float().unsqueeze(0)\n"
        "    return actor(one), critic(one), target_critic(one)\n"
        "def train(loader):\n"
        "    for x, y in loader:\n"
        "        loss = actor(x).sum()\n"
        "class Agent(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.head = nn.Linear(8, 1)\n"
        "    def score(self, x):\n"
        "        return self.head(x).squeeze()  # expect: DL202\n"
        "    def value(self, x):\n"
        "        return self.head(x).squeeze()  # expect: DL202\n"
        "agent = Agent()\n"
        "def act2(s, rest):\n"
        "    one = torch.from_numpy(s).float().unsqueeze(0)\n"
        "    agent.score(*rest)\n"
        "    hooks = [agent.value]\n"
        "    return agent.score(one), agent.value(one)\n",
        # A buffer read when a counter is a multiple of 64, but the counter reset between its step
        # and the test (it may be 0 there), the buffer emptied elsewhere without the counter, an
        # append only on some steps, a step that skips the append, a counter stepped only on
        # some steps (0 at the test after a reset), the buffer emptied through an alias.
        "import torch\n"
        "from torch import nn\n"
        "class Critic(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.v = nn.Linear(4, 1)\n"
        "    def a(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "    def b(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "    def c(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "    def d(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "    def e(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "    def f(self, states):\n"
        "        return self.v(states).squeeze()  # expect: DL202\n"
        "critic = Critic()\n"
        "def collect_a(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "        states.append(env.step())\n"
        "        if env.done():\n"
        "            n = 0\n"
        "        if n % 64 == 0:\n"
        "            critic.a(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n"
        "def collect_b(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    for episode in range(10):\n"
        "        for t in range(100):\n"
        "            n += 1\n"
        "            states.append(env.step())\n"
        "            if n % 64 == 0:\n"
        "                critic.b(torch.stack(states))\n"
        "        states.clear()\n"
        "def collect_c(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "        if env.ready():\n"
        "            states.append(env.step())\n"
        "        if n % 64 == 0:\n"
        "            critic.c(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n"
        "def collect_d(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "        if env.skip():\n"
        "            continue\n"
        "        states.append(env.step())\n"
        "        if n % 64 == 0:\n"
        "            critic.d(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n"
        "def collect_e(env):\n"
        "    states = []\n"
        "    n = 0\n"
        "    while True:\n"
        "        if env.ready():\n"
        "            n += 1\n"
        "        states.append(env.step())\n"
        "        if n % 64 == 0:\n"
        "            critic.e(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n"
        "def collect_f(env):\n"
        "    states = []\n"
        "    kept = states\n"
        "    n = 0\n"
        "    while True:\n"
        "        n += 1\n"
        "        states.append(env.step())\n"
        "        kept.clear()\n"
        "        if n % 64 == 0:\n"
        "            critic.f(torch.stack(states))\n"
        "            states.clear()\n"
        "            n = 0\n",
        # A size the calls give differently (1 and the default 64), or a variable.
        "import numpy as np\n"
        "import torch\n"
        "from torch import nn\n"
        "class QNet(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = nn.Linear(8, 1)\n"
        "    def forward(self, state):\n"
        "        return self.linear(state.reshape(-1, state.shape[-1]))\n"
        "q_net = QNet()\n"
        "class Agent:\n"
        "    def replay_small(self, s, batch_size=64):\n"
        "        idx = np.random.choice(len(s), batch_size)\n"
        "        return q_net(s[idx]).squeeze()  # expect: DL202\n"
        "    def replay_any(self, s, batch_size=64):\n"
        "        idx = np.random.choice(len(s), batch_size)\n"
        "        return q_net(s[idx]).squeeze()  # expect: DL202\n"
        "agent = Agent()\n"
        "def train(s, n):\n"
        "    agent.replay_small(s, 1)\n"
        "    agent.replay_small(s)\n"
        "    agent.replay_any(s, n)\n",
        # The same squeezed similarity where its shape matters: a loss that keeps one value per
        # row, a target from the loader, another use (argmax, a concatenation), a name bound
        # twice, ones made again of the batch, a loss module made with reduction="none".
        "import torch\nfrom torch import nn\n"
        "class ConsistencyLoss(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.bce = nn.BCELoss()\n"
        "        self.each = nn.BCELoss(reduction='none')\n"
        "    def forward(self, anchors, neighbors, y):\n"
        "        b, n = anchors.size()\n"
        "        s1 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        l1 = nn.functional.binary_cross_entropy(s1, torch.ones_like(s1), reduction='none')\n"
        "        s2 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        l2 = self.bce(s2, y)\n"
        "        s3 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        l3 = self.bce(s3, torch.ones_like(s3)) + s3.argmax(0)\n"
        "        s4 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        s4 = s4 * 2\n"
        "        l4 = self.bce(s4, torch.ones_like(s4))\n"
        "        s5 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        ones = torch.ones_like(s5)\n"
        "        l5 = self.bce(s5, ones) + torch.cat([ones, y])\n"
        "        s6 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        l6 = self.each(s6, torch.ones_like(s6))\n"
        "        s7 = torch.bmm(anchors.view(b, 1, n), neighbors.view(b, n, 1)).squeeze()  # expect: DL202\n"
        "        l7 = self.bce(s7, torch.ones_like(s7)) + s7.sum(0)\n"
        "        return l1, l2, l3, l4, l5, l6, l7\n",
    ]

    def check(self, ctx: FileContext) -> None:
        if not ctx.imports.uses("torch"):
            return
        squeezes = [(call, subject) for call in ctx.index.of_type(cst.Call)
                    if (subject := bare_squeeze_subject(ctx, call)) is not None]
        if not squeezes:
            return
        batches = BatchTensors(ctx)
        for call, subject in squeezes:
            # a batch whose row count is fixed by construction cannot lose its batch dimension by
            # chance: two rows or more, or one row on purpose
            if not converted_for_display(ctx, call) and batches.is_batch(subject) \
                    and batches.rows(subject) is None and not shape_agnostic_use(ctx, call):
                ctx.report(call, (
                    f"`{code_text(ctx.module, subject, limit=40)}` is a batch: squeeze() without a "
                    f"dimension also drops the batch dimension when a batch has one sample (the last "
                    f"batch of an epoch, a loader with batch_size=1); name the dimension, e.g. "
                    f"squeeze(-1)"))
